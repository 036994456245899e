"""One run's curves on the loss and accuracy plots: a growing buffer of its points, its
lines (train solid, test dashed, in the run's colour) and its markers."""

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt

from compute.engine.runs import PALETTE

FIELDS = ("samples_seen", "epoch", "train_seconds", "train_loss", "test_loss",
          "train_accuracy", "test_accuracy")
LINE_WIDTH = 2  # px: 1-px lines in similar colours were hard to tell apart
#: Each run's marker (by its number), so runs are told apart without their colours too:
#: filled on the train curve, hollow on the test curve, about MARKS_PER_CURVE of them.
MARKERS = ("o", "s", "t", "d", "star", "x", "t1", "p")
MARKS_PER_CURVE = 6
MARKER_SIZE = 8


def marker_of(number):
    """Run ``number``'s marker: the markers turn one step further each time the colours
    (:data:`compute.engine.runs.PALETTE`) start again, so that no two of the first 64
    runs share both (they repeated together every 8 runs)."""
    n = number - 1
    return MARKERS[(n + n // len(PALETTE)) % len(MARKERS)]


class RunCurves:
    """Buffers and plot items of one run."""

    def __init__(self, run, loss_plot, accuracy_plot):
        self.run = run
        self.count = 0
        self.buffer = np.empty((len(FIELDS), 64))
        color = pg.mkColor(run.color)
        # A sweep's members: thin lines along their colour ramp, no markers (there may be
        # dozens; the ramp orders them).
        thin = run.sweep is not None
        width = 1 if thin else LINE_WIDTH
        solid = pg.mkPen(color, width=width)
        dashed = pg.mkPen(color, width=width, style=Qt.PenStyle.DashLine)
        self.marker = marker_of(run.id)
        marks = {"symbol": self.marker, "symbolSize": MARKER_SIZE, "symbolPen": pg.mkPen(color, width=1.5)}
        filled, hollow = {**marks, "symbolBrush": color}, {**marks, "symbolBrush": "w"}
        self.items = {
            "train_loss": loss_plot.plot(pen=solid),
            "test_loss": loss_plot.plot(pen=dashed),
            "train_accuracy": accuracy_plot.plot(pen=solid),
            "test_accuracy": accuracy_plot.plot(pen=dashed),
        }
        self.marks = {} if thin else {
            "train_loss": loss_plot.plot(pen=None, **filled),
            "test_loss": loss_plot.plot(pen=None, **hollow),
            "train_accuracy": accuracy_plot.plot(pen=None, **filled),
            "test_accuracy": accuracy_plot.plot(pen=None, **hollow),
        }
        self.stride = None  # marks every stride-th point: fixed once the run's length is known

    def take_new_points(self):
        points = self.run.points
        if len(points) > self.buffer.shape[1]:
            grown = np.empty((len(FIELDS), max(len(points), 2 * self.buffer.shape[1])))
            grown[:, :self.count] = self.buffer[:, :self.count]
            self.buffer = grown
        for i in range(self.count, len(points)):
            point = points[i]
            self.buffer[:, i] = [getattr(point, name) for name in FIELDS]
        self.count = len(points)

    def column(self, name):
        return self.buffer[FIELDS.index(name), :self.count]

    def redraw(self, x_field, plot):
        """Give the curves of ``plot`` ("loss" or "accuracy") their data up to now."""
        x = self.column(x_field)
        if self.stride is None and self.run.total_samples:  # fixed, so marks never slide
            expected = self.run.total_samples / self.run.settings.eval_every
            self.stride = max(1, round(expected / MARKS_PER_CURVE))
        marked = slice(0, None, self.stride or 1)
        for name, item in self.items.items():
            if plot in name:
                y = self.column(name)
                item.setData(x, y)
                item.setVisible(self.run.visible)
                if name in self.marks:
                    self.marks[name].setData(x[marked], y[marked])
                    self.marks[name].setVisible(self.run.visible)

    def remove(self, loss_plot, accuracy_plot):
        for name in self.items:
            plot = loss_plot if "loss" in name else accuracy_plot
            plot.removeItem(self.items[name])
            if name in self.marks:
                plot.removeItem(self.marks[name])
