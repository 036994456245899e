"""One run's curves on the loss and accuracy plots: a growing buffer of its points, its
lines (train solid, test dashed, in the run's colour) and its markers."""

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette

from compute.engine.runs import PALETTE

from .theme import visible_colour

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
    """Buffers and lines of one run, and where its markers go (drawn for all runs at once,
    by :class:`Marks`)."""

    def __init__(self, run, loss_plot, accuracy_plot):
        self.run = run
        self.count = 0
        self.buffer = np.empty((len(FIELDS), 64))
        # A sweep's members: thin lines along their colour ramp, no markers (there may be
        # dozens; the ramp orders them).
        self.marked = run.sweep is None
        self.marker = marker_of(run.id)
        self.items = {name: (loss_plot if "loss" in name else accuracy_plot).plot()
                      for name in ("train_loss", "test_loss", "train_accuracy", "test_accuracy")}
        self.restyle(loss_plot.palette())
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
        for name, item in self.items.items():
            if plot in name:
                item.setData(x, self.column(name))
                item.setVisible(self.run.visible)

    def marks(self, name, x_field):
        """(x, y) of the markers on the curve ``name`` ("test_loss"…): every stride-th point."""
        marked = slice(0, None, self.stride or 1)
        return self.column(x_field)[marked], self.column(name)[marked]

    def restyle(self, palette):
        """Pens and brushes on ``palette``: the run's colour (black turns to the text's
        colour where it would vanish in the dark), hollow markers filled with the plots'
        background."""
        color = visible_colour(self.run.color, palette)
        width = LINE_WIDTH if self.marked else 1
        for name, item in self.items.items():
            style = Qt.PenStyle.DashLine if name.startswith("test") else Qt.PenStyle.SolidLine
            item.setPen(pg.mkPen(color, width=width, style=style))
        self.mark_pen = pg.mkPen(color, width=1.5)
        self.mark_brushes = {"train": pg.mkBrush(color), "test": pg.mkBrush(palette.color(QPalette.ColorRole.Base))}

    def remove(self, loss_plot, accuracy_plot):
        for name, item in self.items.items():
            (loss_plot if "loss" in name else accuracy_plot).removeItem(item)


class Marks:
    """Every run's markers on one plot, as one item: one item per run and curve made the
    plots' painting grow with the runs (with 50 runs, 400 items: 86 ms a paint)."""

    def __init__(self, plot, kind):
        self.kind = kind  # "loss" or "accuracy"
        self.item = plot.plot(pen=None, symbolSize=MARKER_SIZE, name="markers")
        self._drawn = None  # what was drawn last: redrawn only when a marker comes or goes

    def redraw(self, all_curves, x_field, force=False):
        shown = [c for c in all_curves if c.marked and c.run.visible and c.count]
        drawn = (x_field, tuple((c.run.id, len(range(0, c.count, c.stride or 1)), id(c.mark_pen))
                                for c in shown))
        if drawn == self._drawn and not force:
            return
        self._drawn = drawn
        xs, ys, symbols, pens, brushes = [], [], [], [], []
        for curves in shown:
            for part in ("train", "test"):
                x, y = curves.marks(f"{part}_{self.kind}", x_field)
                xs.append(x)
                ys.append(y)
                symbols += [curves.marker] * len(x)
                pens += [curves.mark_pen] * len(x)
                brushes += [curves.mark_brushes[part]] * len(x)
        if not xs:
            self.item.setData([], [])
            return
        self.item.setData(np.concatenate(xs), np.concatenate(ys), symbol=symbols, symbolPen=pens,
                          symbolBrush=brushes, symbolSize=MARKER_SIZE)
