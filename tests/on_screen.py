"""What a widget shows, read as a user would see it (through public APIs only)."""

from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QImage, QMouseEvent, QPainter
from PySide6.QtWidgets import QApplication


def tick_labels(axis):
    """The tick labels a pyqtgraph axis draws at its present size and range."""
    return [text for text, _ in placed_tick_labels(axis)]


def placed_tick_labels(axis):
    """(text, rectangle) of each tick label a pyqtgraph axis draws, the rectangle in axis
    coordinates."""
    image = QImage(max(axis.width(), 1), max(axis.height(), 1), QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    try:
        specs = axis.generateDrawSpecs(painter)
    finally:
        painter.end()
    return [(text, rect) for rect, _, text in specs[2]] if specs else []


def cut_tick_labels(plot):
    """The tick labels of a pyqtgraph plot widget's left and bottom axes that pass its
    edges (and so are cut off), as (text, rectangle in the widget)."""
    cut = []
    for name in ("left", "bottom"):
        axis = plot.getPlotItem().getAxis(name)
        for text, rect in placed_tick_labels(axis) if axis.isVisible() else ():
            on_widget = plot.mapFromScene(axis.mapRectToScene(rect)).boundingRect()
            if not plot.viewport().rect().contains(on_widget):
                cut.append((text, on_widget))
    return cut


def hover(plot, x, y):
    """Move the mouse (no button) over a pyqtgraph plot widget to the data point (x, y)."""
    scene_point = plot.getPlotItem().vb.mapViewToScene(QPointF(x, y))
    at = QPointF(plot.mapFromScene(scene_point))
    event = QMouseEvent(QEvent.Type.MouseMove, at, plot.viewport().mapToGlobal(at), Qt.MouseButton.NoButton,
                        Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(plot.viewport(), event)
