"""Axis pieces of the studio's plots: a grid drawn by the view, an x axis that reads
counts as 60k and 1.5M, the ticks of a log x axis, and room for an axis's end labels."""

import math

import pyqtgraph as pg
from PySide6.QtCore import QPointF
from PySide6.QtGui import QColor, QFontMetrics, QPen


class TickGrid(pg.UIGraphicsItem):
    """Grid lines at the ticks of a plot's axes (major and minor), drawn in its view.

    pyqtgraph's ``showGrid`` lets each axis draw the grid, which makes every cached
    axis picture as large as the plot: it doubled the GUI thread's painting while a run
    trains (measured offscreen: 0.6 s of paint events in a 3 s run, 0.35 s without; the
    longest paint event 15-28 ms, now 7-9). These lines cost a handful of draw calls.
    """

    def __init__(self, plot_item):
        super().__init__()
        self._axes = (plot_item.getAxis("bottom"), plot_item.getAxis("left"))
        self._ticks = {}  # axis orientation -> (what was asked, its tick values)
        self.set_colours(QColor("#dcdcdc"), QColor("#f0f0f0"))
        self.setZValue(-1000)  # under the curves

    def set_colours(self, major, minor):
        """The lines' colours (the theme's: :func:`ui.theme.style_plot`)."""
        self._pens = []
        for colour in (major, minor):
            pen = QPen(colour)
            pen.setCosmetic(True)  # one pixel wide whatever the view's scale
            self._pens.append(pen)
        self.update()

    def paint(self, painter, option, widget=None):
        view = self.boundingRect()  # the visible part of the view, in data coordinates
        for axis in self._axes:
            low, high = sorted(axis.range)
            vertical = axis.orientation == "bottom"
            pixels = axis.geometry().width() if vertical else axis.geometry().height()
            if high <= low or pixels <= 0:
                continue
            asked = (low, high, pixels, axis.logMode)
            if self._ticks.get(axis.orientation, (None,))[0] != asked:  # (once per range, not per paint)
                self._ticks[axis.orientation] = (asked, axis.tickValues(low, high, pixels))
            for pen, (_, values) in zip(self._pens, self._ticks[axis.orientation][1]):
                painter.setPen(pen)
                for v in values:
                    if vertical:
                        painter.drawLine(QPointF(v, view.top()), QPointF(v, view.bottom()))
                    else:
                        painter.drawLine(QPointF(view.left(), v), QPointF(view.right(), v))


class SteadyAxis(pg.AxisItem):
    """An axis drawn again only when its range or its size changes. pyqtgraph links each
    axis to its view's resize and drew it again at every one: the x axes when a plot only
    grew shorter (a sweep's start resizes every plot), 1-2 ms a plot. A change of size
    still draws it again (pyqtgraph's ``resizeEvent``)."""

    def setRange(self, mn, mx):
        if self.picture is not None and list(self.range) == [mn, mx]:
            return
        super().setRange(mn, mx)


class CountAxis(SteadyAxis):
    """An x axis that reads counts as 60k and 1.5M (not 60000 and 1e+06) while
    ``counts`` is set (the samples axis), and as pyqtgraph does otherwise."""

    counts = True

    def tickStrings(self, values, scale, spacing):
        if not self.counts or self.logMode:
            return super().tickStrings(values, scale, spacing)
        return [short_count(v * scale) for v in values]


def short_count(value):
    """60000 -> "60k", 1.5e6 -> "1.5M", 0.5 -> "0.5"."""
    for unit, size in (("M", 1e6), ("k", 1e3)):
        if abs(value) >= size:
            return f"{value / size:.4g}{unit}"
    return f"{value:.4g}"


def keep_end_labels(plot):
    """Let the x axis's last tick label overhang the axis's end by half its width, and
    leave that room at the plot's right. pyqtgraph hides a label that passes the end: at
    1024 px wide the samples axis ended at 50k, its 60k gone."""
    axis = plot.getAxis("bottom")
    overhang = QFontMetrics(axis.style["tickFont"] or axis.font()).horizontalAdvance("60.5k") // 2 + 2
    axis.setStyle(hideOverlappingLabels=overhang)
    layout = plot.getPlotItem().layout
    left, top, right, bottom = layout.getContentsMargins()
    layout.setContentsMargins(left, top, max(right, overhang), bottom)


#: Ticks of a log x axis (positions in log10, as pyqtgraph wants): 1, 2 and 5 of each decade.
LOG_TICKS = [(math.log10(m * 10.0**e), short_count(m * 10.0**e)) for e in range(-3, 9) for m in (1, 2, 5)]


class SteppedFrame:
    """Frames a view's y axis on its data in steps of a tenth of the data's order of
    magnitude, so that the axis is drawn again only when the data leave the frame, not at
    every point (pyqtgraph's own auto-range moved it, and every axis was drawn again, at
    each refresh). A user's zoom or pan is kept until the view's auto-range button ("A")
    is pressed."""

    def __init__(self, view):
        self.view = view
        self.frame = None
        self._own = True
        view.sigRangeChangedManually.connect(self._let_go)

    def _let_go(self, *_):
        self._own = False

    def fit(self, extent):
        """Frame the view on ``extent()``: (low, high) in view coordinates (log10 on a log
        axis), or None; asked only while the frame is this object's to set."""
        if self.view.autoRangeEnabled()[1]:  # at the start, or the "A" button
            self._own, self.frame = True, None
        found = extent() if self._own else None
        if found is None:
            return
        low, high = found
        step = 10.0 ** math.floor(math.log10(max(high - low, 1e-6))) / 10
        frame = (math.floor(low / step) * step, math.ceil(high / step) * step or step)
        if frame != self.frame:
            self.frame = frame
            self.view.setYRange(*frame, padding=0.04)  # (which turns pyqtgraph's auto-range off)
