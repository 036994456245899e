"""What a change to a plot costs on screen: one paint, and only of what changed."""

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QObject

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
def test_a_change_that_moves_a_plots_range_is_painted_once(qtbot, change):
    # pyqtgraph fits the range while painting; the paint changed the scene, and Qt painted
    # the plot again at once: twice the cost of every refresh.
    plot = ThemedPlot()
    qtbot.addWidget(plot)
    curve = plot.plot(np.arange(10.0), np.arange(10.0), symbol="o")
    plot.resize(500, 300)
    plot.show()
    qtbot.waitExposed(plot)
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
