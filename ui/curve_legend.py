"""The plots' legend, beside them rather than over them: a key to the lines (train solid
with filled markers, test dashed with hollow ones), then one row per visible run (its
line, its marker and its name, elided to fit, whole in the tooltip) and one row per sweep
(its colour ramp, its name and how many runs it has). It scrolls when the rows outgrow
the plots, and an exported picture lays every row out in columns beside the plots, in
the same font (:meth:`CurveLegend.paint`)."""

import math
from dataclasses import dataclass

import pyqtgraph as pg
from pyqtgraph.graphicsItems.ScatterPlotItem import drawSymbol
from PySide6.QtCore import QEvent, QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QFontMetrics, QPainter, QPalette
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from .run_curves import LINE_WIDTH, MARKER_SIZE
from .theme import visible_colour

WIDTH = 170  # px of a column of rows
SWATCH = 30  # px of a row's line


@dataclass
class Entry:
    """One row: a run's (one colour and marker) or a sweep's (its ramp, no marker)."""

    name: str
    colours: list
    marker: str | None
    tooltip: str


def _value(value):
    return f"{value:g}" if isinstance(value, (int, float)) else str(value)


class CurveLegend(QWidget):
    """The legend. :meth:`show_run` and :meth:`remove_run` keep its rows."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("curveLegend")
        self.setAccessibleName("Legend of the plots")
        self.setAccessibleDescription("Which line is which run; solid lines are the training "
                                      "set, dashed lines the test set")
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Minimum)
        # Its rows stay where they are when its height changes: only what a taller
        # legend shows is painted (all of it, when the rows flow into more columns).
        self.setAttribute(Qt.WidgetAttribute.WA_StaticContents)
        self._runs = set()  # ids of the runs on the plots
        self._entries = {}  # key -> Entry, in the order rows appeared

    # ------------------------------------------------------------ rows

    def show_run(self, run, marker):
        """``run`` was added or changed (name, visibility, points): its row, or its
        sweep's, as it is now."""
        group = run.sweep
        key = ("sweep", id(group)) if group is not None else run.id
        self._runs.add(run.id)
        if group is not None:
            members = [r for r in group.runs if r.visible and r.id in self._runs]
            entry = Entry(group.name, [r.color for r in members], None,
                          f"{group.name}: {len(members)} of {len(group.runs)} runs on show, "
                          f"{group.setting} from {_value(group.values[0])} to {_value(group.values[-1])} "
                          "(the colour ramp follows the values)") if members else None
        else:
            entry = Entry(run.name, [run.color], marker,
                          f"{run.name}: {run.settings.describe()}") if run.visible else None
        self._set(key, entry)

    def remove_run(self, run):
        self._runs.discard(run.id)
        group = run.sweep
        if group is not None:
            others = [r for r in group.runs if r.id in self._runs]
            if others:
                self.show_run(others[0], None)
                return
        self._set(("sweep", id(group)) if group is not None else run.id, None)

    def _set(self, key, entry):
        if self._entries.get(key) == entry:
            return  # (a new point of a run: nothing to draw again)
        rows = len(self._entries)
        if entry is None:
            self._entries.pop(key, None)
        else:
            self._entries[key] = entry
        if len(self._entries) != rows:
            self.updateGeometry()
        self.update()

    def names(self):
        """The rows' names, in order (for tests and automation)."""
        return [entry.name for entry in self._entries.values()]

    def entries(self):
        return list(self._entries.values())

    # ------------------------------------------------------------ layout

    def row_height(self):
        return max(QFontMetrics(self.font()).height(), MARKER_SIZE) + 6

    def sizeHint(self):
        return QSize(WIDTH, (len(self._entries) + 1) * self.row_height() + 4)

    def minimumSizeHint(self):
        return QSize(WIDTH, self.row_height() + 4)

    def _per_column(self, height):
        """Rows that fit in a column ``height`` pixels high, below the key."""
        return max(1, int((height - 4) // self.row_height()) - 1)

    def columns_for(self, height):
        """Columns that the key and every row need within ``height`` pixels."""
        return max(1, math.ceil(len(self._entries) / self._per_column(height)))

    # ------------------------------------------------------------ painting

    def resizeEvent(self, event):
        super().resizeEvent(event)
        if self.columns_for(event.size().height()) != self.columns_for(event.oldSize().height()):
            self.update()

    def paintEvent(self, event):
        painter = QPainter(self)
        self.paint(painter, QRectF(self.rect()), QRectF(event.rect()))  # (the rows in sight)
        painter.end()

    def paint(self, painter, rect, exposed=None):
        """Draw the key and every row into ``rect`` (of ``painter``'s coordinates), in as
        many columns of :data:`WIDTH` as its height needs, in the widget's font; only the
        rows that meet ``exposed``, if given."""
        painter.save()
        painter.setFont(self.font())
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        text = self.palette().color(QPalette.ColorRole.WindowText)
        row = self.row_height()
        per_column = self._per_column(rect.height())
        entries = list(self._entries.values())
        for column in range(self.columns_for(rect.height())):
            left = rect.left() + column * WIDTH
            self._paint_key(painter, QPointF(left + 4, rect.top() + 2), row, text)  # (in the text's colour)
            for i, entry in enumerate(entries[column * per_column:(column + 1) * per_column]):
                top = rect.top() + 2 + (i + 1) * row
                if exposed is None or exposed.intersects(QRectF(left, top, WIDTH, row)):
                    self._paint_row(painter, entry, QPointF(left + 4, top), row, text)
        painter.restore()

    def _paint_key(self, painter, at, row, text):
        half = (WIDTH - 8) / 2
        hollow = self.palette().color(QPalette.ColorRole.Base)
        for offset, label, style, brush in ((0, "train", Qt.PenStyle.SolidLine, text),
                                             (half, "test", Qt.PenStyle.DashLine, hollow)):
            start = at + QPointF(offset, 0)
            self._line(painter, start, row, [text], style, "o", brush)
            painter.setPen(text)
            painter.drawText(QRectF(start.x() + SWATCH + 6, start.y(), half - SWATCH - 8, row),
                             Qt.AlignmentFlag.AlignVCenter, label)

    def _paint_row(self, painter, entry, at, row, text):
        self._line(painter, at, row, entry.colours, Qt.PenStyle.SolidLine, entry.marker, None)
        label = entry.name if entry.marker else f"{entry.name} ({len(entry.colours)})"
        room = WIDTH - SWATCH - 14
        painter.setPen(text)
        painter.drawText(QRectF(at.x() + SWATCH + 6, at.y(), room, row), Qt.AlignmentFlag.AlignVCenter,
                         QFontMetrics(painter.font()).elidedText(label, Qt.TextElideMode.ElideRight, room))

    def _line(self, painter, at, row, colours, style, marker, brush):
        """A swatch: the line (a sweep's ramp in segments) with the marker in its middle."""
        palette = self.palette()
        y = at.y() + row / 2
        step = SWATCH / len(colours)
        colours = [visible_colour(colour, palette) for colour in colours]
        for i, colour in enumerate(colours):
            painter.setPen(pg.mkPen(colour, width=LINE_WIDTH, style=style))
            painter.drawLine(QPointF(at.x() + i * step, y), QPointF(at.x() + (i + 1) * step, y))
        if marker is not None:
            painter.save()
            painter.translate(at.x() + SWATCH / 2, y)
            fill = colours[0] if brush is None else brush  # (None: filled with the run's colour)
            drawSymbol(painter, marker, MARKER_SIZE, pg.mkPen(colours[0], width=1.5), pg.mkBrush(fill))
            painter.restore()

    # ------------------------------------------------------------ tooltips

    def entry_at(self, position):
        """The row under ``position`` (widget coordinates), or None."""
        index = int((position.y() - 2) // self.row_height()) - 1
        entries = list(self._entries.values())
        return entries[index] if 0 <= index < len(entries) else None

    def event(self, event):
        if event.type() == QEvent.Type.ToolTip:
            entry = self.entry_at(event.pos())
            if entry is not None:
                QToolTip.showText(event.globalPos(), entry.tooltip, self)
            else:
                QToolTip.hideText()
                event.ignore()
            return True
        return super().event(event)
