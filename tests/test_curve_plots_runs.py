"""Runs coming to and leaving the curve plots, as the studio adds and deletes them."""

from PySide6.QtWidgets import QApplication

from compute.engine.runs import Run
from compute.settings import PRESETS
from ui.curve_plots import REDRAW_MS, CurvePlots


def test_a_run_deleted_before_its_first_redraw_leaves_no_entry_and_no_lines(qtbot, shown):
    # A new run's curves are made at the next redraw, not when it comes (a sweep's start
    # adds 32 in one click): a run deleted in between must still leave nothing behind.
    plots = shown(CurvePlots(), 900, 600)
    kept, gone = (Run(number, f"run {number}", "#1f77b4", PRESETS["seed-minibatch100"]) for number in (1, 2))
    plots.update_run(kept)
    plots.update_run(gone)
    assert plots.legend_names() == ["run 1", "run 2"]  # the legend at once
    plots.remove_run(gone)
    assert plots.legend_names() == ["run 1"]
    qtbot.wait(2 * REDRAW_MS)
    QApplication.processEvents()
    assert [curves.run for curves in plots.all_curves()] == [kept]
    assert plots.curves_of(gone) is None and plots.point_count(gone) == 0
    lines = plots._lines["loss"]
    assert (1, "train_loss") in lines._lines and not any(key[0] == 2 for key in lines._lines)


def test_curves_read_before_the_redraw_are_there_and_made_once(qtbot, shown):
    plots = shown(CurvePlots(), 900, 600)
    run = Run(1, "run 1", "#1f77b4", PRESETS["seed-minibatch100"])
    plots.update_run(run)
    curves = plots.curves_of(run)  # (what the readout and tests read, at any time)
    assert curves is not None and curves.run is run
    qtbot.wait(2 * REDRAW_MS)
    assert plots.curves_of(run) is curves and plots.all_curves() == [curves]
