"""The training loop on real MNIST and on small data: presets, points, control, divergence."""

import dataclasses

import numpy as np
import pytest

from compute.engine import metrics, training

from compute.storage import params
from compute.storage.data import DataPair, Dataset
from compute.kernels import sparse_rows
from compute.engine.training import Training, TrainingDiverged
from compute.settings import SCHEDULES, Settings, SettingsError, preset


def subset(dataset, n):
    rows = sparse_rows(dataset.rows.dense(np.arange(n)))
    return Dataset(dataset.name, dataset.source, rows, dataset.labels[:n].copy(), dataset.n_classes)


@pytest.fixture(scope="module")
def small(mnist):
    """The first 6,000 MNIST training and 1,000 test digits: real data, quick runs."""
    return DataPair(subset(mnist.train, 6000), subset(mnist.test, 1000))


def test_seed_minibatch100_reaches_90_percent(mnist):
    last = Training(mnist, preset("seed-minibatch100")).run()
    assert last.test_accuracy >= 0.90
    assert last.samples_seen == 60000 and last.updates == 600


def test_best_reaches_92_5_percent(mnist):
    last = Training(mnist, preset("best")).run()
    assert last.test_accuracy >= 0.925


def test_seed_sgd1_points_every_5000_samples(mnist):
    run = Training(mnist, preset("seed-sgd1"))
    run.run()
    assert [p.samples_seen for p in run.points] == list(range(0, 60001, 5000))
    assert run.updates == 60000
    assert run.points[-1].test_accuracy > 0.85
    assert run.points[0].train_seconds == 0.0
    seconds = [p.train_seconds for p in run.points]
    assert seconds == sorted(seconds)


def test_a_points_figures_are_those_of_the_saved_file(small, tmp_path):
    # Updates run in float32; the figures must still be exactly what evaluating the
    # saved (float64) file gives, so that the plot and `evaluate` never disagree.
    run = Training(small, Settings(optimizer="adam", learning_rate=0.003, epochs=1))
    last = run.run()
    assert run.state.parameters.dtype == np.float32
    params.save(tmp_path / "p.hdf5", run.evaluated.model, run.evaluated.metadata())
    model, _ = params.load(tmp_path / "p.hdf5")
    result = metrics.evaluate(model, small.test)
    assert (result.loss, result.accuracy) == (last.test_loss, last.test_accuracy)


def test_full_batch_is_one_update_per_epoch_with_a_point_each(small):
    settings = Settings(batch_size=None, learning_rate=0.5, epochs=5)
    run = Training(small, settings)
    run.run()
    assert run.updates == 5
    assert [p.samples_seen for p in run.points] == [0, 6000, 12000, 18000, 24000, 30000]
    losses = [p.train_loss for p in run.points]
    assert losses == sorted(losses, reverse=True), "full-batch GD with a small step must descend"


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam"])
def test_every_optimizer_learns(small, optimizer):
    rate = {"sgd": 0.5, "momentum": 0.05, "nesterov": 0.05}.get(optimizer, 0.005)
    last = Training(small, Settings(optimizer=optimizer, learning_rate=rate, epochs=2)).run()
    assert last.test_accuracy > 0.82


@pytest.mark.parametrize("schedule", SCHEDULES)
def test_schedules_shape_the_learning_rate(small, schedule):
    run = Training(small, Settings(schedule=schedule, learning_rate=0.4, epochs=3, eval_every=3000))
    run.run()
    rates = [p.learning_rate for p in run.points[1:]]
    if schedule == "constant":
        assert set(rates) == {0.4}
    else:
        assert rates == sorted(rates, reverse=True) and rates[-1] < 0.4
    if schedule == "cosine":
        assert rates[-1] < 0.001


def test_same_seed_same_run_bit_for_bit_however_chunked(small, monkeypatch):
    settings = Settings(optimizer="adam", learning_rate=0.003, batch_size=32, epochs=2, l2=1e-4, seed=7)
    first = Training(small, settings)
    first.run()
    monkeypatch.setattr(training, "CHUNK_SECONDS", 1e-6)  # many more, smaller chunks
    second = Training(small, settings)
    second.run()
    np.testing.assert_array_equal(first.snapshot().model.weights, second.snapshot().model.weights)
    assert [p.test_loss for p in first.points] == [p.test_loss for p in second.points]
    other = Training(small, dataclasses.replace(settings, seed=8))
    other.run()
    assert not np.array_equal(first.snapshot().model.weights, other.snapshot().model.weights)


def test_full_batch_yields_between_chunks_and_stops_when_closed(mnist, monkeypatch):
    monkeypatch.setattr(training, "CHUNK_SECONDS", 1e-6)
    run = Training(mnist, Settings(batch_size=None, learning_rate=0.5, epochs=3))
    steps = run.steps()
    first = next(item for item in steps if item is not None)
    assert first.samples_seen == 0
    nothing = 0
    for item in steps:
        if item is not None:
            break
        nothing += 1
    assert nothing >= 2, "a full-batch step over 60,000 rows must yield between chunks"
    steps.close()  # how a consumer stops a run
    assert run.updates == 1 and not run.finished


def test_divergence_stops_with_advice_and_keeps_finite_parameters(small):
    run = Training(small, Settings(learning_rate=1e306, batch_size=10, epochs=1))
    with pytest.raises(TrainingDiverged, match=r"diverged after [\d,]+ samples; try a learning rate below"):
        run.run()
    assert np.isfinite(run.snapshot().model.weights).all()


@pytest.mark.parametrize("change,words", [
    ({"learning_rate": 0.0}, "learning rate must be a number > 0"),
    ({"learning_rate": float("nan")}, "learning rate"),
    ({"batch_size": 0}, "batch size must be"),
    ({"epochs": 0}, "epochs must be"),
    ({"epochs": 10**9}, "epochs must be a whole number from 1 to 100,000"),
    ({"eval_every": 0}, "N >= 1"),
    ({"optimizer": "lbfgs"}, "optimizer must be one of"),
    ({"schedule": "warp"}, "schedule must be one of"),
    ({"momentum": 1.0}, "momentum must be in"),
    ({"l2": -1.0}, "L2 must be"),
])
def test_settings_are_checked_up_front(change, words):
    with pytest.raises(SettingsError, match=words):
        dataclasses.replace(Settings(), **change).validated()


def test_unknown_preset():
    with pytest.raises(SettingsError, match="unknown preset 'fast'; choose one of seed-bgd"):
        preset("fast")


def test_snapshots_are_frozen_copies_and_a_point_travels_with_its_parameters(small):
    run = Training(small, Settings(batch_size=50, learning_rate=0.1, epochs=1, eval_every=3000))
    steps = run.steps()
    at_point = next(steps)  # the first yield is the point at 0 samples
    first = run.snapshot()
    assert first.point is at_point and first is not run.evaluated
    assert first.model is run.evaluated.model, "no update since the point: the same parameters"
    with pytest.raises(ValueError):
        first.model.weights[0, 0] = 1.0  # read-only: nobody can change what a view reads
    assert next(steps) is None  # a chunk of training, no point due yet
    later = run.snapshot()
    assert later.point is None and later.updates > 0
    assert "test_accuracy" not in later.metadata(), "metrics only where they belong"
    assert not np.array_equal(later.model.weights, first.model.weights)
    assert first.metadata()["test_accuracy"] == at_point.test_accuracy
    assert first.metadata()["samples_seen"] == 0
    before = later.model.weights.copy()
    for item in steps:
        if item is not None:
            break
    np.testing.assert_array_equal(later.model.weights, before)  # a copy, not a view
    steps.close()


def test_applying_settings_are_those_the_run_reads():
    from compute.settings import PRESETS, Settings

    bgd = PRESETS["seed-bgd"].applying()
    assert bgd["batch_size"] == "full" and not {"momentum", "beta1", "rho", "step_factor"} & set(bgd)
    adam = Settings(optimizer="adam", schedule="step").applying()
    assert {"beta1", "beta2", "epsilon", "step_factor", "step_epochs"} <= set(adam)
    assert "momentum" not in adam and "inverse_decay" not in adam
    assert set(Settings(optimizer="rmsprop").applying()) >= {"rho", "epsilon"}
