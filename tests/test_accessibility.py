"""Keyboard and screen readers: every control the Tab key reaches has a name and a
description a screen reader can say, and the plots' values are read with the keyboard."""

from PySide6.QtCore import Qt
from PySide6.QtGui import QAccessible
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QTabBar

from test_gui import PRESETS, start, wait_until_done


def spoken(widget):
    """(name, description) as a screen reader gets them; for a tab bar, its current tab's
    (what it says when the bar has the focus)."""
    interface = QAccessible.queryAccessibleInterface(widget)
    if isinstance(widget, QTabBar):
        interface = interface.focusChild() or interface
    return interface.text(QAccessible.Text.Name).strip(), interface.text(QAccessible.Text.Description).strip()


def tab_chain(qtbot, window):
    """Every control the real Tab key reaches from the page's tabs, once round."""
    window.tabs.setFocus()
    qtbot.wait(20)
    seen = []
    widget = QApplication.focusWidget()
    while widget is not None and widget not in seen and len(seen) < 300:
        seen.append(widget)
        QTest.keyClick(widget, Qt.Key.Key_Tab)
        widget = QApplication.focusWidget()
    return seen


def test_every_control_on_the_tab_chain_has_a_name_and_a_description(qtbot, studio):
    run = start(qtbot, studio, PRESETS["seed-minibatch100"])
    wait_until_done(qtbot, studio)
    studio.runs.selectRow(0)
    reached, silent = set(), []
    pages = []
    for i in range(studio.tabs.count()):
        studio.tabs.setCurrentIndex(i)
        views = studio.insights.views if studio.tabs.currentWidget() is studio.insights else None
        for j in range(views.count() if views is not None else 1):
            if views is not None:
                views.setCurrentIndex(j)
            pages.append(studio.tabs.tabText(i) + (f" > {views.tabText(j)}" if views is not None else ""))
            for widget in tab_chain(qtbot, studio):
                reached.add(widget)
                name, description = spoken(widget)
                if not name or not description:
                    silent.append((pages[-1], type(widget).__name__, widget.objectName(), name, description))
    assert not silent, silent
    names = {widget.objectName() for widget in reached}
    # the walk reached the controls a user works with, on every page
    assert {"presetCombo", "learningRateSpin", "startButton", "lossPlot", "runsTable", "confusionTable",
            "stepButton", "digitCanvas", "historyTable"} <= names, names
    assert len(reached) >= 45 and run.status == "finished"


def test_the_plots_values_are_read_with_the_keyboard(qtbot, studio):
    first = start(qtbot, studio, PRESETS["seed-minibatch100"])
    wait_until_done(qtbot, studio)
    second = start(qtbot, studio, PRESETS["seed-sgd1"])
    wait_until_done(qtbot, studio)
    studio.plots.flush()
    plot = studio.plots.loss_plot
    plot.setFocus()
    readout = studio.plots.readout
    QTest.keyClick(plot, Qt.Key.Key_End)  # the first run's last point
    assert readout.isVisible() and "seed-minibatch100" in readout.text() and "@ 60,000:" in readout.text()
    assert "seed-sgd1" not in readout.text()  # the run chosen, alone
    QTest.keyClick(plot, Qt.Key.Key_Left)
    point = first.points[-2]
    assert f"@ {point.samples_seen:,}: loss {point.train_loss:.4f} / {point.test_loss:.4f}" in readout.text()
    QTest.keyClick(plot, Qt.Key.Key_Home)
    assert "@ 0:" in readout.text()
    QTest.keyClick(plot, Qt.Key.Key_Down)  # the next run on show, at the same point
    assert "seed-sgd1" in readout.text() and "@ 0:" in readout.text()
    QTest.keyClick(plot, Qt.Key.Key_End)
    assert f"@ {second.points[-1].samples_seen:,}:" in readout.text()
    QTest.keyClick(plot, Qt.Key.Key_Escape)
    assert not readout.isVisible()
