"""The studio's sweep: the form, the members in the run list, the sweep plot, Stop."""

import dataclasses
import math

import pytest
from PySide6.QtWidgets import QComboBox, QDialog, QLabel, QLineEdit, QPushButton, QSplitter

from compute.engine.runs import RunStatus
from compute.settings import PRESETS
from compute.engine.training import Training

WAIT_MS = 120_000


def open_form(studio, setting, values):
    studio.sweep_button.click()
    dialog = studio.findChild(QDialog, "sweepDialog")
    combo = dialog.findChild(QComboBox, "sweepSettingCombo")
    combo.setCurrentIndex(combo.findData(setting))
    dialog.findChild(QLineEdit, "sweepValuesEdit").setText(values)
    return dialog


def test_a_four_model_sweep_fills_the_plot_and_the_run_list(qtbot, studio, mnist):
    studio.controls.set_settings(dataclasses.replace(PRESETS["seed-minibatch100"], eval_every=20000))
    dialog = open_form(studio, "learning_rate", "1e-3:1:20000")
    count = dialog.findChild(QLabel, "sweepCountLabel")
    assert "must be 1 to 256" in count.text()
    start = dialog.findChild(QPushButton, "sweepStartButton")
    assert not start.isEnabled()
    dialog.findChild(QLineEdit, "sweepValuesEdit").setText("0.01,0.1,0.5,2")
    assert count.text().startswith("4 models: 0.01, 0.1, 0.5, 2 · 1 pass(es)") and start.isEnabled()
    with qtbot.waitSignal(studio.controller.busyChanged, timeout=WAIT_MS):
        start.click()
    assert studio.findChild(QDialog, "sweepDialog") is None or not dialog.isVisible()
    qtbot.waitUntil(lambda: not studio.controller.busy, timeout=WAIT_MS)

    runs = studio.runs.all_runs()
    assert [run.name for run in runs] == ["sweep 1: lr 0.01", "sweep 1: lr 0.1", "sweep 1: lr 0.5",
                                          "sweep 1: lr 2"]
    assert all(run.status == RunStatus.FINISHED and len(run.points) == 4 for run in runs)
    assert len({run.color for run in runs}) == 4
    # The end is news, not a warning: the best in the status bar, no message box.
    assert studio.statusBar().currentMessage().startswith("sweep 1 ended: best sweep 1: lr ")
    box = studio.findChild(QDialog, "messageBox")
    assert box is None or not box.isVisible()
    heading = studio.runs.item(0, 0).text()
    assert heading.startswith("▾ sweep 1: learning rate, 4 values, best so far")
    plot = studio.findChild(type(studio.sweep_plot), "sweepPlot")
    assert plot.isVisible() and len(plot.values) == 4
    # on screen, not collapsed: its splitter gave it no height, and the user never saw it
    splitter = studio.findChild(QSplitter, "plotsSplitter")
    assert splitter.sizes()[splitter.indexOf(plot)] >= plot.minimumHeight()
    assert splitter.rect().contains(plot.geometry()) and plot.height() >= plot.minimumHeight()
    losses = [loss for _, loss, _ in plot.values]
    best_x, best_loss = plot.best.getData()[0][0], plot.best.getData()[1][0]
    assert best_loss == min(losses) and 10 ** best_x == pytest.approx(
        [x for x, loss, _ in plot.values if loss == best_loss][0])  # log x
    # Its x axis is framed on the values from the start (log 0.01 to log 2), and each
    # y axis on its curve, in steps: pyqtgraph's auto-range moved all three at each refresh.
    low, high = plot.getPlotItem().vb.viewRange()[0]
    assert low < -2 < math.log10(2) < high and high - low < 1.2 * (math.log10(2) + 2)
    loss_low, loss_high = plot.getPlotItem().vb.viewRange()[1]
    accuracy_low, accuracy_high = plot.accuracy_view.viewRange()[1]
    accuracies = [accuracy for _, _, accuracy in plot.values]
    assert loss_low <= min(losses) and max(losses) <= loss_high
    assert accuracy_low <= min(accuracies) and max(accuracies) <= accuracy_high
    # A member ends as the same settings alone.
    alone = Training(mnist, runs[2].settings)
    alone.run()
    assert runs[2].last.test_loss == alone.points[-1].test_loss
    # Its members are runs like any other: selectable for the other tabs; the heading folds them.
    studio.runs.selectRow(2)
    assert studio.runs.selected_run() is runs[1]
    studio.runs.cellClicked.emit(0, 0)
    assert studio.runs.isRowHidden(1) and studio.runs.item(0, 0).text().startswith("▸")
    studio.runs.cellClicked.emit(0, 0)
    assert not studio.runs.isRowHidden(1)
    # The legend folds the sweep into one row: its ramp, its name, its size.
    assert studio.plots.legend_names() == ["sweep 1"]
    (entry,) = studio.plots.legend.entries()
    assert entry.colours == [run.color for run in runs] and entry.marker is None
    assert "4 of 4 runs on show, learning_rate from 0.01 to 2" in entry.tooltip


def test_stop_ends_the_whole_sweep_and_the_window_stays_live(qtbot, studio):
    studio.controls.set_settings(dataclasses.replace(PRESETS["seed-sgd1"], epochs=20))
    dialog = open_form(studio, "learning_rate", "0.001,0.01,0.1")
    with qtbot.waitSignal(studio.controller.busyChanged, timeout=WAIT_MS):
        dialog.findChild(QPushButton, "sweepStartButton").click()
    runs = studio.runs.all_runs()
    qtbot.waitUntil(lambda: all(len(run.points) >= 2 for run in runs), timeout=WAIT_MS)
    studio.pause_button.click()
    qtbot.waitUntil(lambda: all(run.status == RunStatus.PAUSED for run in runs), timeout=WAIT_MS)
    studio.stop_button.click()
    qtbot.waitUntil(lambda: not studio.controller.busy, timeout=WAIT_MS)
    assert all(run.status == RunStatus.STOPPED for run in runs)
    assert studio.start_button.isEnabled() and studio.sweep_button.isEnabled()


def test_the_sweep_plot_comes_in_steps_and_leaves_the_curve_plots_as_they_were(qtbot, studio):
    # It takes its room about a frame after the click, empty, with the loss plot held at
    # its height (so that one paint redraws only the accuracy plot), then lets it go and
    # shows its curves: painted in one go, a sweep's start took 20-25 ms of the GUI thread.
    loss, accuracy = studio.plots.loss_plot, studio.plots.accuracy_plot
    limits = loss.minimumHeight(), loss.maximumHeight()
    studio.controls.set_settings(dataclasses.replace(PRESETS["seed-sgd1"], epochs=20))
    dialog = open_form(studio, "learning_rate", "0.001,0.01")
    with qtbot.waitSignal(studio.controller.busyChanged, timeout=WAIT_MS):
        dialog.findChild(QPushButton, "sweepStartButton").click()
    plot = studio.sweep_plot
    qtbot.waitUntil(lambda: plot.isVisible() and plot.getPlotItem().isVisible(), timeout=5000)
    assert plot.group is studio.runs.all_runs()[0].sweep and plot.height() >= plot.minimumHeight()
    assert (loss.minimumHeight(), loss.maximumHeight()) == limits  # let go
    qtbot.waitUntil(lambda: abs(loss.height() - accuracy.height()) <= 1, timeout=5000)
    studio.stop_button.click()
    qtbot.waitUntil(lambda: not studio.controller.busy, timeout=WAIT_MS)
    # The next sweep: the plot is on screen already, and follows it.
    height = plot.height()
    dialog = open_form(studio, "learning_rate", "0.1,0.5")
    with qtbot.waitSignal(studio.controller.busyChanged, timeout=WAIT_MS):
        dialog.findChild(QPushButton, "sweepStartButton").click()
    qtbot.waitUntil(lambda: plot.group is studio.runs.all_runs()[-1].sweep, timeout=5000)
    assert plot.getPlotItem().isVisible() and plot.height() == height
    studio.stop_button.click()
    qtbot.waitUntil(lambda: not studio.controller.busy, timeout=WAIT_MS)


def test_a_sweep_over_seeds_draws_a_band(qtbot, studio):
    import numpy as np

    studio.controls.set_settings(dataclasses.replace(PRESETS["seed-minibatch100"], eval_every=20000))
    dialog = open_form(studio, "seed", "0,1,2")
    assert "3 models: 0, 1, 2 · 3 pass(es)" in dialog.findChild(QLabel, "sweepCountLabel").text()
    with qtbot.waitSignal(studio.controller.busyChanged, timeout=WAIT_MS):
        dialog.findChild(QPushButton, "sweepStartButton").click()
    qtbot.waitUntil(lambda: not studio.controller.busy, timeout=WAIT_MS)
    group = studio.runs.all_runs()[0].sweep
    x, mean, std = studio.plots.band_values(group)
    losses = np.array([[p.test_loss for p in run.points] for run in group.runs])
    np.testing.assert_allclose(mean, losses.mean(axis=0))
    np.testing.assert_allclose(std, losses.std(axis=0))
    assert list(x) == [0, 20000, 40000, 60000] and std[-1] > 0
