"""The step-by-step view's engine: one update, every quantity, as training does it."""

import dataclasses

import numpy as np
import pytest

import naive
from compute.storage.params import Model
from compute.settings import Settings
from compute.engine.step import Stepper
from compute.engine.training import Training
from test_training import subset


@pytest.fixture(scope="module")
def small(mnist):
    from compute.storage.data import DataPair

    return DataPair(subset(mnist.train, 3000), subset(mnist.test, 500))


HYPER = {"l2": 0.0, "momentum": 0.9, "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8, "rho": 0.99}


@pytest.mark.parametrize("optimizer,rate", [("sgd", 0.5), ("adam", 0.01), ("momentum", 0.1)])
def test_a_step_is_the_naive_update_of_its_batch(small, optimizer, rate):
    settings = Settings(optimizer=optimizer, batch_size=16, learning_rate=rate, seed=3)
    start = Model.initial(10, 784, seed=1)
    stepper = Stepper(small, settings, start)
    state = (np.zeros(10 * 785), np.zeros(10 * 785))
    theta = np.concatenate([start.weights.ravel(), start.bias])
    is_weight = np.arange(theta.size) < 10 * 784
    for step in (1, 2):
        record = stepper.step()
        assert record.step == step and record.X.shape == (16, 784) and record.p.shape == (16, 10)
        gw, gb = naive.gradient_sum(record.before.weights, record.before.bias, record.X, record.labels)
        np.testing.assert_allclose(record.grad_w, gw / 16, atol=1e-15)
        np.testing.assert_allclose(record.grad_b, gb / 16, atol=1e-15)
        np.testing.assert_allclose(record.delta.sum(axis=1), 0, atol=1e-12)
        theta, state = naive.optimizer_step(optimizer, theta, np.concatenate([record.grad_w.ravel(),
                                            record.grad_b]), state, step, rate, HYPER, is_weight)
        np.testing.assert_allclose(record.after.weights.ravel(), theta[:10 * 784], rtol=1e-9, atol=1e-15)
        np.testing.assert_allclose(record.after.bias, theta[10 * 784:], rtol=1e-9, atol=1e-15)
        # The loss after the step is the naive one of the naive update on this batch
        # (a decrease is not promised: Adam's first steps may overshoot on 16 examples).
        after_loss, _ = naive.loss_and_hits(theta[:10 * 784].reshape(10, 784), theta[10 * 784:],
                                            record.X, record.labels)
        assert record.loss_after == pytest.approx(after_loss / 16, rel=1e-9)
    if optimizer == "adam":
        np.testing.assert_allclose(record.state["m (mean gradient)"].ravel(), state[0][:10 * 784], atol=1e-15)
        np.testing.assert_allclose(record.state["v (mean squared gradient)"].ravel(), state[1][:10 * 784],
                                   atol=1e-18)
    elif optimizer == "momentum":
        assert list(record.state) == ["velocity"]


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_steps_visit_the_batches_a_run_does_and_end_where_it_ends(small, optimizer):
    """With a point after every batch, a run (float64) stops after each update: its
    parameters then are the stepper's, bit for bit."""
    settings = Settings(optimizer=optimizer, batch_size=100, learning_rate=0.05, seed=7, eval_every=100)
    start = Model.initial(10, 784, seed=0)
    stepper = Stepper(small, settings, start)
    training = Training(small, settings, model=start, precision=np.float64)
    steps = training.steps()
    next(steps)  # the point before any update
    for _ in range(3):
        record = stepper.step()
        while next(steps) is None:
            pass
        assert np.array_equal(training.state.parameters, stepper.state.parameters)
        assert training.updates == record.step
    assert stepper.updates_to_next_point() == 1
    wide = Stepper(small, dataclasses.replace(settings, eval_every=1000), start)
    assert wide.updates_to_next_point() == 10


def test_the_step_view_shows_one_update_of_a_runs_copy(qtbot, studio):
    from PySide6.QtWidgets import QLabel, QPushButton, QTableWidget

    from compute.settings import PRESETS
    from test_gui import start, wait_until_done
    from ui.weights_view import Tiles

    window = studio
    start(qtbot, window, PRESETS["seed-minibatch100"])
    wait_until_done(qtbot, window)
    run = window.controller.runs[0]
    kept = run.model.weights.copy()
    window.runs.selectRow(0)
    view = window.step_view
    window.tabs.setCurrentWidget(view)
    # Before a step, nothing speaks of feature vectors (a pixel run has none).
    assert [label for label in view.findChildren(QLabel) if "What the model reads" in label.text()
            and label.isVisible()] == []
    assert view.findChild(Tiles, "stepFeaturesView").isHidden()
    window.controls.set_settings(Settings(optimizer="adam", batch_size=8, learning_rate=0.01))
    view.findChild(QPushButton, "stepResetButton").click()
    view.findChild(QPushButton, "stepButton").click()
    qtbot.waitUntil(lambda: view.record is not None and not view.busy, timeout=60_000)
    record = view.record
    assert record.step == 1 and len(record.rows) == 8
    np.testing.assert_array_equal(record.before.weights, run.model.weights)  # a copy of the run ...
    np.testing.assert_array_equal(run.model.weights, kept)  # ... which is not changed
    gradient = view.findChild(Tiles, "gradientView")
    assert len(gradient.pictures) == 10 and gradient.captions[0].startswith("0: ∂b ")
    assert len(view.findChild(Tiles, "stepStateView").pictures) == 20  # Adam's m and v
    assert view.findChild(Tiles, "stepFeaturesView").isHidden()  # pixels: no feature vectors
    table = view.findChild(QTableWidget, "stepProbabilities")
    assert table.rowCount() == 8 and table.item(0, 3).text() == f"{record.p[0, 3]:.3f}"
    text = view.findChild(type(view.formulas), "stepFormulas").text()
    assert f"{record.loss_before:.4f}</b> before, <b>{record.loss_after:.4f}</b> after" in text
    assert "m ← 0.9 m + 0.1 ∇" in text
    assert "a batch of B = 8 (samples 1 to 8 of the run)" in text  # (it said "samples 0–8")
    view.findChild(QPushButton, "stepToPointButton").click()
    qtbot.waitUntil(lambda: view.record.step > 1 and not view.busy, timeout=60_000)
    assert view.stepper.samples_seen % 5000 == 0  # at the next point
