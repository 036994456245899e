"""The studio window on the real Qt event loop (offscreen) with the real engine and MNIST."""

import csv
import dataclasses
import os
import subprocess
import sys
from pathlib import Path

import h5py
import numpy as np
import pyqtgraph as pg
import pytest
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QFileDialog, QInputDialog, QMessageBox

from compute.settings import PRESETS, Settings
from ui.control_panel import CUSTOM, ControlPanel
from app.gui import build_window
from on_screen import hover, tick_labels

WAIT_MS = 60_000


def start(qtbot, window, settings):
    window.controls.set_settings(settings)
    with qtbot.waitSignal(window.controller.busyChanged, timeout=WAIT_MS):
        window.start_button.click()
    return window.controller.active_run


def wait_until_done(qtbot, window):
    qtbot.waitUntil(lambda: not window.controller.busy, timeout=WAIT_MS)


# ------------------------------------------------------------------ settings form


def test_settings_fill_widgets_and_widgets_give_settings(qtbot):
    panel = ControlPanel()
    qtbot.addWidget(panel)
    panel.set_settings(PRESETS["best"])
    assert panel.preset.currentText() == "best"
    assert panel.optimizer.currentText() == "adam"
    assert panel.batch_size.value() == 200 and panel.learning_rate.value() == 0.02
    assert panel.settings() == PRESETS["best"]

    panel.full_batch.setChecked(True)
    panel.learning_rate.setValue(0.25)
    assert panel.preset.currentText() == CUSTOM
    got = panel.settings()
    assert got.batch_size is None and got.learning_rate == 0.25
    assert not panel.batch_size.isEnabled()

    panel.preset.setCurrentText("seed-sgd1")
    assert panel.settings() == PRESETS["seed-sgd1"]
    assert not panel.shuffle.isChecked() and panel.batch_size.value() == 1


def test_optimizer_extras_show_only_when_they_apply(qtbot):
    panel = ControlPanel()
    qtbot.addWidget(panel)
    panel.show()
    panel.optimizer.setCurrentText("sgd")
    assert not any(box.isVisible() for box in panel.extras.values())
    panel.optimizer.setCurrentText("momentum")
    assert panel.extras["momentum"].isVisible() and not panel.extras["beta1"].isVisible()
    panel.optimizer.setCurrentText("adam")
    assert {k for k, box in panel.extras.items() if box.isVisible()} == {"beta1", "beta2", "epsilon"}
    panel.extras["beta1"].setValue(0.8)
    assert panel.settings().beta1 == 0.8


def test_learning_rate_steps_on_a_log_scale(qtbot):
    panel = ControlPanel()
    qtbot.addWidget(panel)
    panel.learning_rate.setValue(0.1)
    panel.learning_rate.stepBy(1)
    assert panel.learning_rate.value() == pytest.approx(0.2)
    panel.learning_rate.stepBy(2)
    assert panel.learning_rate.value() == pytest.approx(1.0)
    panel.learning_rate.stepBy(-3)
    assert panel.learning_rate.value() == pytest.approx(0.1)


# ------------------------------------------------------------------ runs


def test_a_short_run_draws_both_plots_and_fills_the_run_list(qtbot, studio):
    run = start(qtbot, studio, PRESETS["seed-minibatch100"])
    wait_until_done(qtbot, studio)
    assert run.status == "finished"
    assert [p.samples_seen for p in run.points] == list(range(0, 60001, 5000))
    studio.plots.flush()
    assert studio.plots.point_count(run) == 13
    curves = studio.plots.curves_of(run)
    x, y = curves.drawn("test_accuracy")
    assert len(x) == 13 and y[-1] == run.points[-1].test_accuracy >= 0.90
    # The samples axis frames the whole run (set once, not at every point).
    low, high = studio.plots.loss_plot.getPlotItem().vb.viewRange()[0]
    assert low <= 0 and 60000 <= high <= 63000
    studio.plots.x_axis.setCurrentText("epochs")
    low, high = studio.plots.loss_plot.getPlotItem().vb.viewRange()[0]
    assert low <= 0 and 1.0 <= high <= 1.05
    studio.plots.x_axis.setCurrentText("samples seen")
    assert studio.runs.rowCount() == 1
    assert studio.runs.item(0, 2).text() == "finished"
    assert studio.runs.item(0, 3).text() == f"{run.points[-1].test_accuracy:.4f}"
    assert studio.progress.value() == studio.progress.maximum()
    assert "samples/s" in studio.throughput.text()

    # hovering over the plot reads out the nearest point's exact values
    plot = studio.plots.accuracy_plot
    plot.getPlotItem().vb.setRange(xRange=(0, 60000), yRange=(0, 1), padding=0)
    hover(plot, 30100, 0.5)
    point = run.points[6]
    assert point.samples_seen == 30000
    qtbot.waitUntil(lambda: f"{point.test_accuracy:.4f}" in studio.plots.readout.text(), timeout=5000)
    assert "seed-minibatch100" in studio.plots.readout.text()  # the run's name
    # ... on a log x axis too (it read "@ 0", the untrained point, near x = 10^0.5)
    studio.plots.findChild(QCheckBox, "logXCheck").setChecked(True)
    for x, shown in ((3.2, run.points[1]), (30100, point), (56000, run.points[-2])):
        hover(plot, np.log10(x), 0.5)
        qtbot.waitUntil(lambda: f"@ {shown.samples_seen:,}:" in studio.plots.readout.text(), timeout=5000)
    studio.plots.findChild(QCheckBox, "logXCheck").setChecked(False)


def test_pause_resume_and_stop(qtbot, studio):
    run = start(qtbot, studio, dataclasses.replace(PRESETS["seed-minibatch100"], epochs=200))
    qtbot.waitUntil(lambda: run.samples_seen > 0, timeout=WAIT_MS)
    studio.pause_button.click()
    qtbot.waitUntil(lambda: run.status == "paused", timeout=2000)
    assert studio.pause_button.text() == "Resume"
    seen = run.samples_seen
    qtbot.wait(300)
    assert run.samples_seen == seen, "a paused run must not advance"
    studio.pause_button.click()
    qtbot.waitUntil(lambda: run.samples_seen > seen, timeout=WAIT_MS)
    assert run.status == "running"
    studio.stop_button.click()
    qtbot.waitUntil(lambda: run.status == "stopped", timeout=2000)
    assert not studio.controller.busy and studio.start_button.isEnabled()
    assert run.samples_seen < run.total_samples
    # A stopped run is its last point: the run list's figure is the confusion's (they
    # differed in the fourth digit: the parameters had trained on after the point).
    assert run.model is run.evaluated.model and run.samples_seen == run.last.samples_seen
    studio.runs.selectRow(0)
    studio.tabs.setCurrentWidget(studio.insights)
    studio.insights.views.setCurrentWidget(studio.insights.confusion)
    listed = studio.runs.item(0, 3).text()
    qtbot.waitUntil(lambda: f"test accuracy {listed} " in studio.insights.confusion.caption.text(), timeout=WAIT_MS)


def test_second_run_while_one_trains_is_refused(qtbot, studio):
    run = start(qtbot, studio, dataclasses.replace(PRESETS["seed-minibatch100"], epochs=200))
    assert not studio.start_button.isEnabled()
    studio.start_run()
    assert "already training" in studio.last_message
    assert len(studio.controller.runs) == 1
    studio.controller.stop()
    qtbot.waitUntil(lambda: run.status == "stopped", timeout=5000)


def test_close_during_a_run_stops_and_waits_for_the_worker(qtbot, mnist_dir, store, no_qt_leaks):
    window = build_window(mnist_dir, store=store)
    window.show()
    qtbot.waitUntil(lambda: window.controller.data is not None, timeout=WAIT_MS)
    run = start(qtbot, window, dataclasses.replace(PRESETS["seed-minibatch100"], epochs=500))
    qtbot.waitUntil(lambda: run.samples_seen > 0, timeout=WAIT_MS)
    window.close()
    assert not window.isVisible()
    qtbot.waitUntil(lambda: run.status == "stopped", timeout=5000)


def test_divergence_reaches_the_user_with_advice(qtbot, studio):
    # The form caps the learning rate at 100, where softmax regression still trains;
    # drive the controller directly with one that overflows.
    with qtbot.waitSignal(studio.controller.busyChanged, timeout=WAIT_MS):
        run = studio.controller.start(Settings(learning_rate=1e306, batch_size=10, epochs=1))
    wait_until_done(qtbot, studio)
    assert run.status == "diverged"
    assert "diverged after" in studio.last_message
    assert "try a learning rate below" in studio.runs.item(0, 2).text()
    assert np.isfinite(run.model.weights).all()


# ------------------------------------------------------------------ files


def test_save_load_and_export_through_the_menu(qtbot, studio, tmp_path, monkeypatch):
    run = start(qtbot, studio, PRESETS["seed-minibatch100"])
    wait_until_done(qtbot, studio)
    studio.runs.selectRow(0)

    saved = tmp_path / "params.hdf5"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(saved), ""))
    with qtbot.waitSignal(studio.controller.fileWritten, timeout=WAIT_MS):
        studio.findChild(type(studio.save_action), "saveParamsAction").trigger()
    assert f"Saved {saved}" in studio.statusBar().currentMessage()
    with h5py.File(saved) as f:
        assert f["w"].shape == (10, 784) and f["b"].shape == (10, 1)

    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(saved), ""))
    with qtbot.waitSignal(studio.controller.runAdded, timeout=WAIT_MS) as added:
        studio.findChild(type(studio.save_action), "loadParamsAction").trigger()
    loaded = added.args[0]
    assert loaded.status == "loaded"
    assert loaded.points[0].test_accuracy == pytest.approx(run.points[-1].test_accuracy)
    assert studio.runs.rowCount() == 2

    studio.runs.selectRow(0)
    curve = tmp_path / "curve.csv"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(curve), ""))
    with qtbot.waitSignal(studio.controller.fileWritten, timeout=WAIT_MS):
        studio.findChild(type(studio.save_action), "exportCsvAction").trigger()
    with open(curve, newline="") as f:
        rows = list(csv.DictReader(f))
    mine = [row for row in rows if row["run"] == run.name]  # (and the loaded file's one point)
    assert len(mine) == 13 and float(mine[-1]["test_accuracy"]) == run.points[-1].test_accuracy
    assert len(rows) == 14

    picture = tmp_path / "curves.png"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(picture), ""))
    monkeypatch.setattr(QInputDialog, "getItem", lambda parent, title, label, items, *a: (items[2], True))
    with qtbot.waitSignal(studio.controller.fileWritten, timeout=WAIT_MS):
        studio.findChild(type(studio.save_action), "exportPngAction").trigger()
    from ui.curve_legend import WIDTH

    with Image.open(picture) as image:  # 3x the plots' size on screen, with the legend
        assert image.width == 3 * (studio.plots.loss_plot.width() + WIDTH) and image.height > 600


def test_loading_a_bad_parameter_file_shows_an_error(qtbot, studio, tmp_path, monkeypatch):
    bad = tmp_path / "broken.hdf5"
    bad.write_text("not hdf5 at all")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(bad), ""))
    with qtbot.waitSignal(studio.controller.message, timeout=WAIT_MS):
        studio.load_parameters()
    assert "broken.hdf5" in studio.last_message and "not an HDF5 file" in studio.last_message
    assert studio.findChild(QMessageBox, "messageBox").isVisible()
    assert studio.runs.rowCount() == 0


def test_runs_can_be_hidden_renamed_and_deleted(qtbot, studio):
    run = start(qtbot, studio, dataclasses.replace(PRESETS["seed-minibatch100"], eval_every=30000))
    wait_until_done(qtbot, studio)
    item = studio.runs.item(0, 0)
    item.setCheckState(Qt.CheckState.Unchecked)
    assert run.visible is False
    studio.plots.flush()
    assert studio.plots.curves_of(run).drawn("test_loss") is None  # hidden
    item.setText("baseline")
    assert run.name == "baseline"
    studio.runs.deleteRequested.emit(run)
    assert studio.runs.rowCount() == 0 and studio.plots.curves_of(run) is None


def test_delete_by_the_key_with_two_runs_removes_the_selected_one(qtbot, studio):
    """The Delete key on the first of two runs (it once read past the end of the run list
    while the row went, and showed two error boxes)."""
    quick = dataclasses.replace(PRESETS["seed-minibatch100"], eval_every=60000)
    first = start(qtbot, studio, quick)
    wait_until_done(qtbot, studio)
    second = start(qtbot, studio, quick)
    wait_until_done(qtbot, studio)
    studio.runs.selectRow(0)
    studio.runs.setFocus()
    qtbot.keyClick(studio.runs, Qt.Key.Key_Delete)
    assert studio.runs.all_runs() == [second] and first not in studio.controller.runs
    assert studio.runs.selected_run() in (None, second)
    assert "Unexpected" not in studio.last_message


def test_empty_state_says_how_to_get_data(qtbot, tmp_path, store, monkeypatch, no_qt_leaks):
    monkeypatch.setenv("SOFTMAX_LAB_DATA", str(tmp_path / "nothing-here"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "nor-here"))  # the user data folder
    window = build_window(store=store)
    window.show()
    assert window.pages.currentWidget() is window.empty
    assert "SOFTMAX_LAB_DATA" in window.empty.text.text()
    assert not window.start_button.isEnabled()
    window.controller.load_data(tmp_path)  # a folder with no data in it
    qtbot.waitUntil(lambda: "holds neither" in window.last_message, timeout=WAIT_MS)
    assert window.pages.currentWidget() is window.empty
    window.close()


def test_settings_and_geometry_persist(qtbot, mnist_dir, store, no_qt_leaks):
    window = build_window(mnist_dir, store=store)
    window.show()
    qtbot.waitUntil(lambda: window.controller.data is not None, timeout=WAIT_MS)
    window.resize(700, 500)
    window.controls.set_settings(PRESETS["best"])
    start(qtbot, window, PRESETS["best"])
    wait_until_done(qtbot, window)
    window.close()
    again = build_window(store=store)
    assert again.controls.settings() == PRESETS["best"]
    again.show()
    assert again.size().width() == 700
    assert str(mnist_dir.resolve()) in again.places.recent()
    again.close()


# ------------------------------------------------------------------ the real application


@pytest.mark.slow
def test_smoke_the_real_application_trains_and_quits_cleanly(mnist_dir):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run(
        [sys.executable, "-m", "app", "gui", "--data", str(mnist_dir), "--preset",
         "seed-minibatch100", "--start", "--quit-after", "6"],
        capture_output=True, text=True, timeout=300, env=env)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert "QThread: Destroyed" not in done.stderr


def test_signal_emission_keeps_reference_counts(qapp):
    """Guards the PySide6 pin: 6.12.0 lost a reference to True/False per emit (abort)."""
    from PySide6.QtCore import QObject, Signal

    class Emitter(QObject):
        changed = Signal(object)

    emitter = Emitter()
    emitter.changed.connect(lambda value: None)
    before = sys.getrefcount(True), sys.getrefcount(False), sys.getrefcount(None)
    for _ in range(200):
        emitter.changed.emit(None)
    assert (sys.getrefcount(True), sys.getrefcount(False), sys.getrefcount(None)) == before


# ------------------------------------------------------------------ inside the model


def test_insight_views_follow_the_selected_run(qtbot, studio):
    from compute.studies import analysis
    from compute.engine import metrics

    run = start(qtbot, studio, PRESETS["seed-minibatch100"])
    wait_until_done(qtbot, studio)
    studio.runs.selectRow(0)
    insights = studio.insights
    studio.tabs.setCurrentWidget(insights)
    tiles = insights.weights.tiles
    assert len(tiles.pictures) == 10 and not tiles.pictures[0].isNull()
    rects = tiles.tile_rects()  # the tiles fill the view: about half its width or more
    assert rects[4].right() - rects[0].left() > 0.45 * tiles.width() or rects[0].height() > 0.3 * tiles.height()
    assert "seed-minibatch100" in insights.weights.caption.text()

    expected = metrics.evaluate(run.model, studio.controller.data.test, confusion=True).confusion
    insights.views.setCurrentWidget(insights.confusion)
    qtbot.waitUntil(lambda: insights.confusion.confusion is not None, timeout=WAIT_MS)
    np.testing.assert_array_equal(insights.confusion.confusion, expected)
    assert insights.confusion.table.item(4, 9).text() == str(expected[4, 9])
    insights.confusion.normalised.setChecked(True)
    assert insights.confusion.table.item(4, 4).text() == f"{expected[4, 4] / expected[4].sum():.3f}"
    insights.confusion.table.cellClicked.emit(4, 9)
    assert insights.confusion.gallery_caption.text().endswith("finding the digits…")  # a busy sign
    assert insights.confusion.gallery.cursor().shape() == Qt.CursorShape.BusyCursor
    qtbot.waitUntil(lambda: insights.confusion.gallery.count() == min(48, expected[4, 9]), timeout=WAIT_MS)
    assert not insights.confusion.busy and insights.confusion.gallery.cursor().shape() != Qt.CursorShape.BusyCursor
    assert insights.confusion.gallery.item(0).text().startswith("4 → 9")
    insights.confusion.mistakes.click()
    qtbot.waitUntil(lambda: "Most confident" in insights.confusion.gallery_caption.text()
                    and insights.confusion.gallery.count() == 48, timeout=WAIT_MS)

    insights.views.setCurrentWidget(insights.cost)
    table = insights.cost.table
    column = {table.horizontalHeaderItem(c).text(): c for c in range(table.columnCount())}
    assert table.rowCount() == 1
    assert table.item(0, column["updates"]).text() == "600"
    _, total = analysis.multiply_adds(60000, 100, 1, 784, 10)
    assert insights.cost.row_values(run)["mult-adds total"] == total
    insights.cost.target.setValue(0.999)
    assert table.item(0, column["samples to target"]).text() == "not reached"
    insights.cost.target.setValue(0.85)
    reached = analysis.first_reaching(run.points, 0.85).samples_seen
    assert table.item(0, column["samples to target"]).text() == f"{reached:,}"


def test_insight_views_work_for_a_loaded_parameter_file(qtbot, studio):
    from app.resources import BUNDLED_PIXELS

    with qtbot.waitSignal(studio.controller.runAdded, timeout=WAIT_MS):
        studio.controller.load_params(BUNDLED_PIXELS)
    studio.runs.selectRow(0)
    studio.tabs.setCurrentWidget(studio.insights)
    studio.insights.views.setCurrentWidget(studio.insights.confusion)
    qtbot.waitUntil(lambda: studio.insights.confusion.confusion is not None, timeout=WAIT_MS)
    assert np.trace(studio.insights.confusion.confusion) / 10000 >= 0.92
    studio.insights.views.setCurrentWidget(studio.insights.weights)
    assert "mnist-softmax.hdf5" in studio.insights.weights.caption.text()


def test_export_report_through_the_menu(qtbot, studio, tmp_path, monkeypatch):
    run = start(qtbot, studio, PRESETS["seed-minibatch100"])
    wait_until_done(qtbot, studio)
    studio.runs.selectRow(0)
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(tmp_path))
    with qtbot.waitSignal(studio.controller.fileWritten, timeout=WAIT_MS):
        studio.findChild(type(studio.save_action), "exportReportAction").trigger()
    folder = tmp_path / "seed-minibatch100-report"
    assert f"Saved {folder}" in studio.statusBar().currentMessage()
    check_report(folder, run.points[-1].test_accuracy)


def check_report(folder, test_accuracy):
    import json

    names = sorted(p.name for p in folder.iterdir())
    assert names == ["confusion.csv", "confusion.png", "curves.png", "index.html", "params.hdf5",
                     "points.csv", "run.json", "weights.png"]
    for picture in ("curves.png", "weights.png", "confusion.png"):
        with Image.open(folder / picture) as image:
            image.load()
            assert image.width > 100
    with open(folder / "points.csv", newline="") as f:
        assert float(list(csv.DictReader(f))[-1]["test_accuracy"]) == pytest.approx(test_accuracy)
    summary = json.loads((folder / "run.json").read_text())
    assert summary["test"]["accuracy"] == pytest.approx(test_accuracy)
    assert summary["cost"]["updates"] > 0
    # Only the settings that decide the run (no momentum for plain SGD), a full batch as "full".
    applying = summary["applying"]
    assert "momentum" not in applying and "beta1" not in applying
    assert applying["batch_size"] in ("full", summary["settings"]["batch_size"])
    with h5py.File(folder / "params.hdf5") as f:
        assert f["w"].shape == (10, 784) and f["b"].shape == (10, 1)
    page = (folder / "index.html").read_text()
    assert "curves.png" in page and "momentum" not in page and "None" not in page


def test_train_command_writes_a_report(mnist_dir, tmp_path):
    import json

    folder = tmp_path / "report"
    done = subprocess.run([sys.executable, "-m", "app", "train", "--data", str(mnist_dir), "--preset",
                           "seed-minibatch100", "--report", str(folder), "--json", "--quiet"],
                          capture_output=True, text=True, timeout=300,
                          env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert done.returncode == 0, done.stderr
    check_report(folder, json.loads(done.stdout)["test_accuracy"])
    again = subprocess.run([sys.executable, "-m", "app", "train", "--data", str(mnist_dir),
                            "--report", str(folder)], capture_output=True, text=True, timeout=300)
    assert again.returncode == 2 and "already exists and is not empty" in again.stderr


# ------------------------------------------------------------------ object names


def documented_object_names():
    """The object names the README publishes, by line ("Window", "While shown", ...)."""
    import re
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    block = readme.split("<!-- object-names -->")[1].split("<!-- /object-names -->")[0]
    groups = {}
    for item in re.split(r"\n- ", block.strip().lstrip("- ")):
        title, names = item.split(":", 1)
        groups[title] = re.findall(r"`(\w+)`", names)
    return groups


def test_every_documented_object_name_is_on_the_widget_it_names(qtbot, studio):
    from PySide6.QtCore import QObject
    from PySide6.QtWidgets import QWidget

    groups = documented_object_names()
    assert sum(len(names) for names in groups.values()) > 60
    shown_later = groups.pop("While shown")
    # each found by a test that opens it
    assert shown_later == ["messageBox", "downloadDialog", "aboutBox", "historyProblemBox"]
    sweep_form = groups.pop("Sweep form (`sweepDialog`)")
    studio.sweep_button.click()
    dialog = studio.findChild(QWidget, "sweepDialog")
    assert dialog is not None and dialog.isVisible()
    for name in sweep_form:
        assert len(dialog.findChildren(QWidget, name)) == 1, name
    dialog.reject()
    for names in groups.values():
        for name in names:
            found = studio.findChildren(QObject, name)
            assert len(found) == 1, f"{name}: found {len(found)} objects"
            assert isinstance(found[0], QWidget) or name.endswith("Action"), name
    for name in ("lossPlot", "accuracyPlot", "probabilityBars", "weightLines"):
        plot = studio.findChild(pg.PlotWidget, name)
        assert plot is not None, f"{name} must name the PlotWidget itself"
        stray = [item for item in plot.getPlotItem().listDataItems()  # (the markers' layer: named)
                 if isinstance(item, pg.PlotDataItem) and item.xData is None and item.name() != "markers"]
        assert stray == [], f"{name} has a stray empty curve"
    studio.show_message("hello")
    assert studio.findChild(QObject, "messageBox").isVisible()


def test_a_parameter_file_with_absurd_attributes_loads_and_reports(qtbot, studio, tmp_path, monkeypatch):
    from app.resources import BUNDLED_PIXELS
    from compute.storage import params

    model, _ = params.load(BUNDLED_PIXELS)
    odd = tmp_path / "odd.hdf5"
    params.save(odd, model, {"samples_seen": 1e300, "updates": float("inf")})
    with qtbot.waitSignal(studio.controller.runAdded, timeout=WAIT_MS):
        studio.controller.load_params(str(odd))
    studio.runs.selectRow(0)
    assert studio.runs.item(0, 5).text() == "0"  # samples: shown as missing, not 1e300
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(tmp_path))
    with qtbot.waitSignal(studio.controller.fileWritten, timeout=WAIT_MS):
        studio.findChild(type(studio.save_action), "exportReportAction").trigger()
    assert (tmp_path / "odd-report" / "index.html").is_file()


@pytest.mark.slow
def test_the_course_experiments_run_in_turn_and_give_the_assignment_report(qtbot, studio, tmp_path, monkeypatch):
    import json

    from PySide6.QtGui import QAction

    from dataclasses import replace

    from compute.engine.runs import RunStatus
    from compute.settings import COURSE_EXPERIMENTS, PRESETS

    # The flow, on shorter runs: the course's full runs, and the figures they reproduce,
    # are tests/test_assignment.py's (the same report code, from the command line).
    for name, epochs in (("seed-bgd", 10), ("seed-report", 4)):
        monkeypatch.setitem(PRESETS, name, replace(PRESETS[name], epochs=epochs))
    assert not studio.findChild(QAction, "exportAssignmentAction").isEnabled()
    # One of them alone is not the four: no word of a report (it once said they were done)
    start(qtbot, studio, PRESETS["seed-report"])
    wait_until_done(qtbot, studio)
    assert studio.runs.all_runs()[0].name == "seed-report"
    assert "assignment report" not in studio.last_message
    assert not studio.findChild(QAction, "exportAssignmentAction").isEnabled()
    # ... and when the four exist, it says so, whatever their names (it once said nothing
    # when seed-report's name was taken)
    studio.findChild(QAction, "courseExperimentsAction").trigger()
    qtbot.waitUntil(lambda: len(studio.runs.all_runs()) == 5 and not studio.controller.busy, timeout=300_000)
    runs = studio.runs.all_runs()[1:]
    assert [run.name for run in runs] == [*COURSE_EXPERIMENTS[:-1], "seed-report (2)"]
    assert all(run.status == RunStatus.FINISHED for run in runs)
    assert "File > Export assignment report" in studio.last_message
    assert studio.findChild(QMessageBox, "messageBox").icon() == QMessageBox.Icon.Information  # good news
    assert studio.findChild(QAction, "exportAssignmentAction").isEnabled()

    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(tmp_path))
    with qtbot.waitSignal(studio.controller.fileWritten, timeout=WAIT_MS):
        studio.findChild(QAction, "exportAssignmentAction").trigger()
    folder = tmp_path / "assignment-report"
    results = json.loads((folder / "results.json").read_text())
    assert [r["experiment"] for r in results] == list(COURSE_EXPERIMENTS)
    assert [r["test_accuracy"] for r in results] == [run.last.test_accuracy for run in runs]
    assert 0.8 < results[-1]["test_accuracy_without_bias"] <= 1
    assert "The bias at test time" in (folder / "index.html").read_text()


def test_stopping_one_of_the_course_experiments_ends_the_queue(qtbot, studio):
    from PySide6.QtGui import QAction

    studio.findChild(QAction, "courseExperimentsAction").trigger()
    qtbot.waitUntil(lambda: studio.controller.busy, timeout=WAIT_MS)
    studio.stop_button.click()
    qtbot.waitUntil(lambda: not studio.controller.busy, timeout=WAIT_MS)
    qtbot.wait(300)
    assert len(studio.runs.all_runs()) == 1 and not studio.controller.busy
    assert "the rest of the course's experiments are not run" in studio.last_message


# ------------------------------------------------------------------ a newcomer's first hour


def test_runs_are_named_after_what_they_run(qtbot, studio):
    first = start(qtbot, studio, PRESETS["seed-minibatch100"])
    wait_until_done(qtbot, studio)
    again = start(qtbot, studio, PRESETS["seed-minibatch100"])
    wait_until_done(qtbot, studio)
    custom = start(qtbot, studio, Settings(optimizer="adam", learning_rate=0.003, batch_size=100,
                                           eval_every=60000))
    wait_until_done(qtbot, studio)
    assert [first.name, again.name, custom.name] == ["seed-minibatch100", "seed-minibatch100 (2)",
                                                     "adam lr 0.003 b100"]


def test_export_items_are_greyed_out_until_there_is_something_to_export(qtbot, tmp_path, store, no_qt_leaks):
    from PySide6.QtGui import QAction

    window = build_window(tmp_path, store=store)  # a folder without data
    qtbot.addWidget(window)
    names = ("exportCsvAction", "exportPngAction", "exportReportAction", "exportAssignmentAction",
             "saveDataAction", "saveParamsAction")
    assert not any(window.findChild(QAction, name).isEnabled() for name in names)
    window.close()


def test_after_a_run_the_export_items_work_and_the_status_bar_is_not_stale(qtbot, studio):
    from PySide6.QtGui import QAction

    run = start(qtbot, studio, dataclasses.replace(PRESETS["seed-minibatch100"], epochs=200))
    qtbot.waitUntil(lambda: run.samples_seen > 0, timeout=WAIT_MS)
    studio.pause_button.click()
    qtbot.waitUntil(lambda: "paused" in studio.throughput.text(), timeout=WAIT_MS)
    assert "ETA" not in studio.throughput.text()
    studio.stop_button.click()
    wait_until_done(qtbot, studio)
    assert "ETA" not in studio.throughput.text() and not studio.progress.isVisible()
    studio.runs.selectRow(0)
    for name in ("exportCsvAction", "exportPngAction", "exportReportAction", "saveParamsAction"):
        assert studio.findChild(QAction, name).isEnabled(), name


def test_file_dialogs_start_where_the_last_one_ended_with_plain_names(qtbot, studio, tmp_path, monkeypatch):
    from compute.storage.files import file_stem

    run = start(qtbot, studio, PRESETS["seed-minibatch100"])
    wait_until_done(qtbot, studio)
    studio.runs.selectRow(0)
    asked = []

    def save_as(parent, title, start, filters):
        asked.append(start)
        return str(tmp_path / "elsewhere" / os.path.basename(start)), ""
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.setattr(QFileDialog, "getSaveFileName", save_as)
    with qtbot.waitSignal(studio.controller.fileWritten, timeout=WAIT_MS):
        studio.save_parameters()
    with qtbot.waitSignal(studio.controller.fileWritten, timeout=WAIT_MS):
        studio.export_csv()
    assert os.path.basename(asked[0]) == "seed-minibatch100.hdf5"
    # The first save starts in the documents folder, not in the open data's (it did)
    from PySide6.QtCore import QStandardPaths

    documents = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    assert os.path.dirname(asked[0]) in (documents, os.path.expanduser("~"))
    assert os.path.dirname(asked[0]) != str(Path(studio.controller.data.train.source).resolve().parent)
    assert asked[1] == str(tmp_path / "elsewhere" / "seed-minibatch100.csv")  # where the last ended
    assert (file_stem("Run 7"), file_stem("params_run7.hdf5")) == ("Run-7", "params_run7")
    assert run.name == "seed-minibatch100"


def test_the_data_folder_opened_last_is_opened_again(qtbot, mnist_dir, store, no_qt_leaks, monkeypatch):
    from compute.storage import data

    monkeypatch.setattr(data, "default_folders", lambda: [])  # only the last folder can give data
    first = build_window(mnist_dir, store=store)
    qtbot.waitUntil(lambda: first.controller.data is not None, timeout=WAIT_MS)
    first.close()
    again = build_window(None, store=store)
    qtbot.addWidget(again)
    qtbot.waitUntil(lambda: again.controller.data is not None, timeout=WAIT_MS)
    assert Path(again.controller.data.train.source).resolve().parent == Path(mnist_dir).resolve()
    again.close()


def test_the_legend_names_each_visible_run_and_the_readout_floats(qtbot, studio, tmp_path, monkeypatch):
    from PySide6.QtCore import QEvent
    from PySide6.QtGui import QImage
    from PySide6.QtWidgets import QApplication

    first = start(qtbot, studio, PRESETS["seed-minibatch100"])
    wait_until_done(qtbot, studio)
    second = start(qtbot, studio, PRESETS["seed-sgd1"])
    wait_until_done(qtbot, studio)
    studio.plots.flush()
    assert studio.plots.legend_names() == ["seed-minibatch100", "seed-sgd1"]
    studio.controller.rename(first, "mine")
    first.visible = False
    studio.controller.runChanged.emit(first)
    assert studio.plots.legend_names() == ["seed-sgd1"]
    first.visible = True
    studio.controller.runChanged.emit(first)
    assert sorted(studio.plots.legend_names()) == ["mine", "seed-sgd1"]

    # Export curves as CSV: every run on the plots, named in its rows (it wrote only the
    # selected run), in a file called after them all
    import csv

    offered = []
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        lambda parent, title, start, *a: (offered.append(start), str(tmp_path / "all.csv"))[1:] + ("",))
    with qtbot.waitSignal(studio.controller.fileWritten, timeout=WAIT_MS):
        studio.findChild(type(studio.save_action), "exportCsvAction").trigger()
    assert os.path.basename(offered[0]) == "curves.csv"
    with open(tmp_path / "all.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [row["run"] for row in rows] == ["mine"] * len(first.points) + ["seed-sgd1"] * len(second.points)
    assert float(rows[-1]["test_accuracy"]) == second.points[-1].test_accuracy

    # The readout floats over the plots: showing it moves nothing; leaving hides it.
    plot = studio.plots.loss_plot
    before = plot.geometry()
    hover(plot, 30000, 0.5)
    qtbot.waitUntil(lambda: studio.plots.readout.isVisible() and "mine" in studio.plots.readout.text(),
                    timeout=5000)
    assert plot.geometry() == before
    QApplication.sendEvent(plot, QEvent(QEvent.Type.Leave))  # (the pointer leaves the plot)
    assert not studio.plots.readout.isVisible()

    # Each run has its own marker, in the legend too, at a few of its points.
    from ui.run_curves import MARKERS, MARKS_PER_CURVE

    curves = [studio.plots.curves_of(run) for run in (first, second)]
    assert [c.marker for c in curves] == list(MARKERS[:2])
    shown = {e.name: e.marker for e in studio.plots.legend.entries()}  # in the legend too
    assert shown == {"mine": curves[0].marker, "seed-sgd1": curves[1].marker}
    for c in curves:
        marks = c.marks("test_loss", "samples_seen")[0]
        assert c.stride == max(1, round(60000 / 5000 / MARKS_PER_CURVE))  # 1 epoch, a point each 5,000
        assert len(marks) == len(range(0, c.count, c.stride))
    # ... all drawn by one item a plot, each in its run's marker: filled on train, hollow on test
    drawn = studio.plots.loss_plot.getPlotItem().listDataItems()
    symbols = [item for item in drawn if item.opts["symbol"] is not None]
    assert len(symbols) == 1
    expected = [m for c in curves for part in ("train", "test")
                for m in [c.marker] * len(c.marks(f"{part}_loss", "samples_seen")[0])]
    assert list(symbols[0].opts["symbol"]) == expected

    # The exported picture is the two plots and the legend beside them, nothing else, at
    # the size chosen.
    from ui.curve_legend import WIDTH
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(tmp_path / "curves.png"), ""))
    offered = []

    def choose(parent, title, label, items, *args):
        offered.extend(items)
        return items[choice], True

    for choice, scale in ((0, 1), (1, 2)):
        with qtbot.waitSignal(studio.controller.fileWritten, timeout=WAIT_MS):
            monkeypatch.setattr(QInputDialog, "getItem", choose)
            studio.export_png()
        picture = QImage(str(tmp_path / "curves.png"))
        assert picture.height() == scale * (plot.height() + studio.plots.accuracy_plot.height())
        assert picture.width() == scale * (plot.width() + WIDTH)
    assert offered[0].endswith("(as on screen)") and "(2×, for slides)" in offered[1]
    # Or as SVG: vectors, the legend's names as text, no size to choose.
    import xml.etree.ElementTree as ET

    vector = tmp_path / "curves.svg"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(vector), ""))
    offered.clear()
    with qtbot.waitSignal(studio.controller.fileWritten, timeout=WAIT_MS):
        studio.export_png()
    assert offered == []
    root = ET.parse(vector).getroot()
    assert root.tag.endswith("svg") and root.get("viewBox") == (
        f"0 0 {plot.width() + WIDTH} {plot.height() + studio.plots.accuracy_plot.height()}")
    texts = "".join(root.itertext())
    assert "seed-sgd1" in texts and "mine" in texts and "log-loss" in texts
    # The tick labels are text too, not a blurred picture of them (the axes' screen cache).
    from on_screen import tick_labels

    written = [text.strip() for text in root.itertext()]
    for side in ("left", "bottom"):
        shown = tick_labels(plot.getAxis(side))
        assert shown and set(shown) <= set(written), side
    assert root.findall(".//{http://www.w3.org/2000/svg}image") == []
    assert len(root.findall(".//{http://www.w3.org/2000/svg}path")) > 20  # curves, markers
    assert second.name == "seed-sgd1"


def test_the_samples_axis_reads_60k_not_60000(qtbot):
    from ui.curve_plots import CurvePlots
    from ui.plot_axes import short_count

    assert [short_count(v) for v in (0, 500, 60000, 1.5e6, 6e6)] == ["0", "500", "60k", "1.5M", "6M"]
    plots = CurvePlots()
    qtbot.addWidget(plots)
    axis = plots.loss_plot.getAxis("bottom")
    assert axis.tickStrings([60000.0], 1.0, 10000.0) == ["60k"]
    plots.x_axis.setCurrentText("epochs")
    assert axis.tickStrings([2.0], 1.0, 1.0) == ["2"]


def test_the_app_has_its_icon_and_an_about_box_with_the_version(qtbot, studio):
    from PySide6.QtCore import QObject
    from PySide6.QtGui import QAction
    from PySide6.QtWidgets import QApplication

    from app.resources import version

    assert not QApplication.instance().windowIcon().isNull()
    studio.findChild(QAction, "aboutAction").trigger()
    box = studio.findChild(QObject, "aboutBox")
    assert box.isVisible() and version() in box.text() and version() != "unknown"
    box.close()


def test_a_log_x_axis_shows_short_and_long_runs_alike(qtbot, studio):
    first = start(qtbot, studio, PRESETS["seed-minibatch100"])
    wait_until_done(qtbot, studio)
    studio.plots.log_x.setChecked(True)
    studio.plots.flush()
    view = studio.plots.loss_plot.getPlotItem().vb
    qtbot.waitUntil(lambda: view.viewRange()[0][0] > 0, timeout=5000)  # auto range, when drawn
    low, high = view.viewRange()[0]
    assert 3.5 < low < 3.8 and 4.7 < high < 4.9  # log10 of 5,000 .. 60,000 samples
    axis = studio.plots.loss_plot.getAxis("bottom")
    qtbot.waitUntil(lambda: "10k" in tick_labels(axis), timeout=10_000)  # once drawn
    # The lines are drawn in log10, the untrained point (x = 0) left out; with log-scale
    # loss, the loss in log10 too.
    studio.plots.log_loss.setChecked(True)
    x, y = studio.plots.curves_of(first).drawn("train_loss")
    samples = np.array([p.samples_seen for p in first.points[1:]])
    np.testing.assert_allclose(x, np.log10(samples))
    np.testing.assert_allclose(y, np.log10([p.train_loss for p in first.points[1:]]))
    studio.plots.log_loss.setChecked(False)
    studio.plots.log_x.setChecked(False)
    studio.plots.flush()
    qtbot.waitUntil(lambda: view.viewRange()[0][0] < 0, timeout=5000)  # back to the frame from 0
    assert view.viewRange()[0][1] > first.samples_seen


def test_a_first_start_fits_the_screen(qtbot, store, no_qt_leaks):
    """With no saved geometry the window takes 1280x800, or less on a smaller screen (the
    offscreen screen is 800x600): never wider or taller than the screen's free area."""
    window = build_window(store=store)
    window.show()
    qtbot.waitExposed(window)
    free = window.screen().availableGeometry()
    assert window.width() <= max(free.width(), window.minimumSizeHint().width())
    assert window.height() <= max(free.height(), window.minimumSizeHint().height())
    window.close()
