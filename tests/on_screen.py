"""What a widget shows, read as a user would see it (through public APIs only)."""

from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QImage, QMouseEvent, QPainter
from PySide6.QtWidgets import QApplication


def tick_labels(axis):
    """The tick labels a pyqtgraph axis draws at its present size and range."""
    image = QImage(max(axis.width(), 1), max(axis.height(), 1), QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    try:
        specs = axis.generateDrawSpecs(painter)
    finally:
        painter.end()
    return [text for _, _, text in specs[2]] if specs else []


def hover(plot, x, y):
    """Move the mouse (no button) over a pyqtgraph plot widget to the data point (x, y)."""
    scene_point = plot.getPlotItem().vb.mapViewToScene(QPointF(x, y))
    at = QPointF(plot.mapFromScene(scene_point))
    event = QMouseEvent(QEvent.Type.MouseMove, at, plot.viewport().mapToGlobal(at), Qt.MouseButton.NoButton,
                        Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(plot.viewport(), event)
