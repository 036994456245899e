"""Cost counts, convergence, per-class metrics and galleries against plain numpy."""

import numpy as np
import pytest

from compute.studies import analysis

from compute.engine import metrics
from compute.engine.points import Point
from compute.engine.training import Training
from compute.settings import Settings

import naive


@pytest.mark.parametrize("batch_size", [1, 100, 128, 7000, None])
def test_multiply_adds_match_the_formula_batch_by_batch(batch_size):
    N, d, K, epochs = 60000, 784, 10, 2
    B = N if batch_size is None else batch_size
    sizes = [min(B, N - start) for start in range(0, N, B)] * epochs
    expected = sum(2 * b * d * K + 2 * b * K + (d + 1) * K for b in sizes)
    updates, cost = analysis.multiply_adds(N, batch_size, epochs, d, K)
    assert updates == len(sizes) and cost == expected


def test_multiply_adds_of_a_stopped_run_count_what_was_done():
    updates, cost = analysis.multiply_adds(1000, 64, 3, 5, 3, samples_seen=1000 + 130)
    # one whole epoch (15 x 64 + 40) then 130 samples: 2 x 64 + 2
    sizes = [64] * 15 + [40] + [64, 64, 2]
    assert updates == len(sizes)
    assert cost == sum(analysis.multiply_adds_per_update(b, 5, 3) for b in sizes)


def test_confusion_precision_recall_against_numpy(mnist):
    run = Training(mnist, Settings(batch_size=100, learning_rate=0.5, epochs=1, eval_every=60000))
    run.run()
    model = run.snapshot().model
    result = metrics.evaluate(model, mnist.test, confusion=True)
    X = mnist.test.rows.dense()
    predicted = naive.logits(model.weights, model.bias, X).argmax(axis=1)
    expected = np.zeros((10, 10), int)
    np.add.at(expected, (mnist.test.labels, predicted), 1)
    np.testing.assert_array_equal(result.confusion, expected)
    precision, recall = analysis.precision_recall(result.confusion)
    for k in range(10):
        assert precision[k] == pytest.approx(((predicted == k) & (mnist.test.labels == k)).sum()
                                             / (predicted == k).sum())
        assert recall[k] == pytest.approx(((predicted == k) & (mnist.test.labels == k)).sum()
                                          / (mnist.test.labels == k).sum())
    rows = analysis.row_normalised(result.confusion)
    np.testing.assert_allclose(rows.sum(axis=1), 1.0)

    mistakes, confidence = analysis.cell_examples(model, mnist.test, limit=20)
    assert len(mistakes) == 20 and (predicted[mistakes] != mnist.test.labels[mistakes]).all()
    assert (np.diff(confidence) <= 0).all(), "most confident first"
    cell, _ = analysis.cell_examples(model, mnist.test, true_class=4, predicted_class=9, limit=500)
    assert len(cell) == result.confusion[4, 9]
    assert (mnist.test.labels[cell] == 4).all() and (predicted[cell] == 9).all()


def test_first_point_reaching_a_target():
    def point(samples, accuracy):
        return Point(samples, 0, 0.0, 0, 0, 0, accuracy, 0.1, samples / 1000, 0)

    points = [point(0, 0.1), point(5000, 0.85), point(10000, 0.905), point(15000, 0.91)]
    assert analysis.first_reaching(points, 0.90).samples_seen == 10000
    assert analysis.first_reaching(points, 0.95) is None


def test_weight_images_for_square_and_other_data():
    from compute.storage.params import Model

    assert analysis.weight_images(Model(np.zeros((10, 784)), np.zeros(10))).shape == (10, 28, 28)
    assert analysis.weight_images(Model(np.zeros((3, 5)), np.zeros(3))) is None
