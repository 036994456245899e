"""What a change to a plot costs on screen: one paint, and only of what changed."""

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QObject

from ui.curve_legend import CurveLegend
from ui.theme import ThemedPlot


class Paints(QObject):
    """Counts the paint events a widget gets (and their rectangles)."""

    def __init__(self, widget):
        super().__init__()
        self.rects = []
        widget.installEventFilter(self)

    def eventFilter(self, watched, event):
        if event.type() == QEvent.Type.Paint:
            self.rects.append(event.rect())
        return False


def settled(qtbot, ms=300):
    qtbot.wait(ms)  # (the event loop runs: queued calls, timers, paints)


@pytest.mark.parametrize("change", ["new points", "a resize"])
def test_a_change_that_moves_a_plots_range_is_painted_once(qtbot, shown, change):
    # pyqtgraph fits the range while painting; the paint changed the scene, and Qt painted
    # the plot again at once: twice the cost of every refresh.
    plot = ThemedPlot()
    curve = plot.plot(np.arange(10.0), np.arange(10.0), symbol="o")
    shown(plot, 500, 300)
    settled(qtbot)
    paints = Paints(plot.viewport())
    for step in range(3):
        paints.rects.clear()
        if change == "new points":
            # (in 0-9 still: wider tick labels would widen the axis, and that is a layout)
            curve.setData(np.arange(20.0 + step), 4.5 + 4 * np.sin(np.arange(20.0 + step) / (3 + step)))
        else:
            plot.resize(500, 260 - 20 * step)
        settled(qtbot)
        assert len(paints.rects) == 1, f"{change}, step {step}: {len(paints.rects)} paints"


def test_a_legend_paints_only_what_a_resize_shows_unless_its_rows_flow_anew(qtbot):
    from ui.curve_legend import Entry

    from PySide6.QtWidgets import QWidget

    window = QWidget()  # (as in the studio: a child, resized by what holds it)
    qtbot.addWidget(window)
    window.resize(400, 900)
    legend = CurveLegend(window)
    for i in range(12):
        legend._set(i, Entry(f"run {i}", ["#0072B2"], "o", f"run {i}"))
    rows = legend.sizeHint().height()
    legend.resize(legend.sizeHint().width(), rows + 100)
    window.show()
    qtbot.waitExposed(window)
    settled(qtbot)
    paints = Paints(legend)
    legend.resize(legend.width(), rows + 40)  # shorter, in one column still: nothing to paint
    settled(qtbot)
    assert paints.rects == []
    legend.resize(legend.width(), rows + 90)  # taller: only the strip it shows now
    settled(qtbot)
    assert len(paints.rects) == 1 and paints.rects[0].height() == 50
    assert legend.columns_for(rows // 2) > 1
    paints.rects.clear()
    legend.resize(legend.width(), rows // 2)  # into two columns: all of it again
    settled(qtbot)
    assert paints.rects and paints.rects[-1] == legend.rect()


def drawn_again(axis, change, qtbot):
    """Whether ``change()`` makes ``axis`` draw its ticks and labels again."""
    before = axis.picture
    assert before is not None
    change()
    settled(qtbot)
    return axis.picture is not before


def test_an_axis_is_drawn_again_only_when_its_range_or_its_length_changes(qtbot, shown):
    # pyqtgraph drew every axis again at each resize of its view: the x axes when the
    # plots only grew shorter (as when a sweep's plot takes its room).
    plot = ThemedPlot()
    plot.plot(np.arange(10.0), np.arange(10.0))
    shown(plot, 500, 400)
    settled(qtbot)
    bottom, left = plot.getAxis("bottom"), plot.getAxis("left")
    assert not drawn_again(bottom, lambda: plot.resize(500, 300), qtbot)  # shorter
    assert drawn_again(left, lambda: plot.resize(500, 250), qtbot)  # (its length changed)
    assert not drawn_again(left, lambda: plot.resize(450, 250), qtbot)  # narrower
    assert drawn_again(bottom, lambda: plot.resize(400, 250), qtbot)
    assert drawn_again(bottom, lambda: plot.setXRange(0, 20), qtbot)  # a new range


def test_a_stepped_frame_moves_only_when_the_data_leave_it_and_yields_to_the_user(shown):
    from PySide6.QtCore import QPoint, Qt
    from PySide6.QtTest import QTest

    from ui.plot_axes import SteppedFrame

    plot = shown(ThemedPlot(), 500, 400)
    view = plot.getPlotItem().vb
    frame = SteppedFrame(view)
    frame.fit(lambda: (0.312, 0.517))
    first = view.viewRange()[1]
    assert first[0] <= 0.312 and first[1] >= 0.517
    frame.fit(lambda: (0.315, 0.514))  # inside its steps (of 0.01 here): the axis stays
    assert view.viewRange()[1] == first
    frame.fit(lambda: (0.12, 0.5))  # out of it: a new frame
    assert view.viewRange()[1][0] <= 0.12 < first[0]
    # A drag on the plot (the user's pan): the frame is the user's until "A" is pressed.
    centre = plot.viewport().rect().center()
    QTest.mousePress(plot.viewport(), Qt.MouseButton.LeftButton, pos=centre)
    for step in range(1, 6):
        QTest.mouseMove(plot.viewport(), centre + QPoint(0, 12 * step))
    QTest.mouseRelease(plot.viewport(), Qt.MouseButton.LeftButton, pos=centre + QPoint(0, 60))
    panned = view.viewRange()[1]
    assert panned != frame.frame
    frame.fit(lambda: (0.5, 0.9))
    assert view.viewRange()[1] == panned
    view.enableAutoRange()  # (what the "A" button does)
    frame.fit(lambda: (0.5, 0.9))
    assert view.viewRange()[1][0] <= 0.5 and view.viewRange()[1][1] >= 0.9
