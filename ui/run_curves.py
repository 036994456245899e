"""One run's curves on the loss and accuracy plots: a growing buffer of its points, its
lines (train solid, test dashed, in the run's colour) and its markers. Every run's lines
on a plot are one item (:class:`Lines`), and every run's markers another (:class:`Marks`)."""

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QPainter, QPalette, QPen

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


def _pen(colour, width, style=Qt.PenStyle.SolidLine):
    """The cosmetic pen ``pg.mkPen`` makes, made directly, in half its time (a sweep's
    start makes 160)."""
    pen = QPen(QColor(colour), width, style)
    pen.setCosmetic(True)
    return pen


class RunCurves:
    """Buffers and lines of one run, and where its markers go (drawn for all runs at once,
    by :class:`Marks`)."""

    NAMES = ("train_loss", "test_loss", "train_accuracy", "test_accuracy")

    def __init__(self, run, lines, palette):
        self.run = run
        self.count = 0
        self.buffer = np.empty((len(FIELDS), 64))
        # A sweep's members: thin lines along their colour ramp, no markers (there may be
        # dozens; the ramp orders them).
        self.marked = run.sweep is None
        self.marker = marker_of(run.id)
        self._lines = lines  # "loss" and "accuracy": the plots' Lines
        self.restyle(palette)
        self.stride = None  # marks every stride-th point: fixed once the run's length is known

    def _on(self, name):
        """The Lines that draw the curve ``name``, and the curve's key there."""
        return self._lines["loss" if "loss" in name else "accuracy"], (self.run.id, name)

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
        for name in self.NAMES:
            if plot in name:
                lines, key = self._on(name)
                lines.set_line(key, x, self.column(name), self.run.visible)

    def drawn(self, name):
        """(x, y) of the curve ``name`` as drawn (in log10 on a log axis), or None while it is
        hidden (for tests and automation)."""
        lines, key = self._on(name)
        return lines.drawn(key)

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
        for name in self.NAMES:
            style = Qt.PenStyle.DashLine if name.startswith("test") else Qt.PenStyle.SolidLine
            lines, key = self._on(name)
            lines.set_pen(key, _pen(color, width, style))
        self.mark_pen = _pen(color, 1.5)
        self.mark_brushes = {"train": QBrush(color), "test": QBrush(palette.color(QPalette.ColorRole.Base))}

    def remove(self):
        for name in self.NAMES:
            lines, key = self._on(name)
            lines.remove(key)


class Lines(pg.GraphicsObject):
    """Every run's lines on one plot, as one item: an item per curve cost its creation
    (0.6 ms each, 130 at a sweep's start), a pyqtgraph item's work at each paint (about
    30 us a curve, and 160 curves a plot) and the scene's walk over them. Here a paint is
    a pen and a path a curve, in the order the runs came. Log axes as pyqtgraph's own
    items do them (``setLogMode``, which the plot calls): the data in log10, the points
    that have none left out."""

    def __init__(self):
        super().__init__()
        self._lines = {}  # key -> [x, y, pen, visible, path]
        self._log = (False, False)
        self._extent = None  # (left, top, right, bottom) of the visible lines, or None
        self._rect = None  # the bounding rectangle, padded by the widest pen

    def set_line(self, key, x, y, visible):
        line = self._lines.setdefault(key, [None, None, pg.mkPen(None), True, None])
        line[0], line[1], line[3] = np.asarray(x), np.asarray(y), visible
        line[4] = self._path(line[0], line[1])
        self._changed()

    def set_pen(self, key, pen):
        line = self._lines.setdefault(key, [np.empty(0), np.empty(0), pen, True, None])
        line[2] = pen
        if line[4] is not None:  # (a new run's lines have no points yet: nothing to draw again)
            self._changed()

    def remove(self, key):
        if self._lines.pop(key, None) is not None:
            self._changed()

    def drawn(self, key):
        line = self._lines.get(key)
        if line is None or not line[3] or line[4] is None:
            return None
        return self._logged(line[0], line[1])

    def setLogMode(self, x, y):
        self._log = (x, y)
        for line in self._lines.values():
            line[4] = self._path(line[0], line[1])
        self._changed()

    def _logged(self, x, y):
        with np.errstate(divide="ignore", invalid="ignore"):
            x = np.log10(x) if self._log[0] else x
            y = np.log10(y) if self._log[1] else y
        finite = np.isfinite(x) & np.isfinite(y)
        return x[finite], y[finite]

    def _path(self, x, y):
        if x is None or len(x) == 0:
            return None
        x, y = self._logged(x, y)
        return pg.arrayToQPath(x, y, connect="all", finiteCheck=False) if len(x) else None

    def _changed(self):
        self.prepareGeometryChange()
        self._extent = self._rect = None
        self.update()

    def _shown(self):
        return [line for line in self._lines.values() if line[3] and line[4] is not None]

    def extent(self):
        """(left, top, right, bottom) of the visible lines in data coordinates, or None."""
        if self._extent is None:
            rects = [line[4].boundingRect() for line in self._shown()]
            self._extent = (min(r.left() for r in rects), min(r.top() for r in rects),
                            max(r.right() for r in rects), max(r.bottom() for r in rects)) if rects else ()
        return self._extent or None

    def dataBounds(self, axis, frac=1.0, orthoRange=None):
        """(low, high) on ``axis`` (0: x, 1: y), for the view's auto-range."""
        extent = self.extent()
        if extent is None:
            return None, None
        return (extent[0], extent[2]) if axis == 0 else (extent[1], extent[3])

    def pixelPadding(self):
        return max((line[2].widthF() for line in self._shown()), default=0) / 2 + 1

    def viewTransformChanged(self):
        self.prepareGeometryChange()  # (the padding is in pixels)
        self._rect = None

    def boundingRect(self):
        if self._rect is None:
            extent = self.extent()
            if extent is None:
                self._rect = QRectF()
            else:
                pad = self.pixelPadding()
                across, up = (self.pixelWidth() or 0) * pad, (self.pixelHeight() or 0) * pad
                self._rect = QRectF(extent[0] - across, extent[1] - up,
                                    extent[2] - extent[0] + 2 * across, extent[3] - extent[1] + 2 * up)
        return self._rect

    def paint(self, painter, *args):
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        for line in self._shown():
            painter.setPen(line[2])
            painter.drawPath(line[4])


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
