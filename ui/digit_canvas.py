"""A square canvas to draw a digit on: dark ink on light paper, round antialiased brush.

Strokes are kept as point lists so that undo can redraw the rest; a picture dropped or
pasted onto the canvas replaces the drawing. ``changed`` fires on every edit.
"""

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QImage, QKeySequence, QPainter, QPainterPath, QPen, QShortcut
from PySide6.QtWidgets import QApplication, QSizePolicy, QWidget

#: Pixels of the backing image; the widget scales it to its size.
RESOLUTION = 280
PAPER = QColor(250, 250, 247)
INK = QColor(20, 20, 30)


class DigitCanvas(QWidget):
    """Draw with the mouse, a pen or a finger (Qt turns those into mouse events)."""

    changed = Signal()
    fileDropped = Signal(str)  # the path of a dropped file: the owner reads it (off this thread)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("digitCanvas")
        self.setMinimumSize(200, 200)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAcceptDrops(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.brush_width = 26.0  # about MNIST's stroke-to-height ratio for a full-size digit
        self._strokes = []  # (width, [QPointF, ...]) in image coordinates
        self._picture = None  # a dropped or pasted QImage, drawn under the strokes
        self._image = QImage(RESOLUTION, RESOLUTION, QImage.Format.Format_Grayscale8)
        self._render()
        for keys, slot in ((QKeySequence.StandardKey.Undo, self.undo),
                           (QKeySequence(Qt.Key.Key_Escape), self.clear),
                           (QKeySequence(Qt.Key.Key_Delete), self.clear),
                           (QKeySequence.StandardKey.Paste, self.paste)):
            shortcut = QShortcut(keys, self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(slot)

    # ------------------------------------------------------------ state

    @property
    def is_empty(self):
        return not self._strokes and self._picture is None

    def pixels(self):
        """The canvas as a (280, 280) uint8 array, light paper and dark ink."""
        view = self._image.constBits()
        stride = self._image.bytesPerLine()
        array = np.frombuffer(view, np.uint8).reshape(RESOLUTION, stride)[:, :RESOLUTION]
        return array.copy()

    def clear(self):
        self._strokes.clear()
        self._picture = None
        self._changed()

    def undo(self):
        if self._strokes:
            self._strokes.pop()
        elif self._picture is not None:
            self._picture = None
        else:
            return
        self._changed()

    def set_picture(self, image):
        """Show a picture (a QImage) instead of the drawing, scaled to fit."""
        self._strokes.clear()
        self._picture = image.convertToFormat(QImage.Format.Format_ARGB32)
        self._changed()

    def set_picture_array(self, pixels):
        """Show a picture given as an array (gray, gray+alpha, RGB or RGBA, uint8)."""
        if pixels.ndim == 3 and pixels.shape[2] == 2:  # gray + alpha: as RGBA
            pixels = np.dstack([pixels[..., 0]] * 3 + [pixels[..., 1]])
        pixels = np.ascontiguousarray(pixels, dtype=np.uint8)
        height, width = pixels.shape[:2]
        channels = 1 if pixels.ndim == 2 else pixels.shape[2]
        kind = {1: QImage.Format.Format_Grayscale8, 3: QImage.Format.Format_RGB888,
                4: QImage.Format.Format_RGBA8888}[channels]
        self.set_picture(QImage(pixels.data, width, height, width * channels, kind).copy())

    def paste(self):
        image = QApplication.clipboard().image()
        if not image.isNull():
            self.set_picture(image)

    # ------------------------------------------------------------ drawing

    def _to_image(self, position):
        scale = RESOLUTION / min(self.width(), self.height())
        return QPointF(position.x() * scale, position.y() * scale)

    def mousePressEvent(self, event):
        if event.button() == Qt.MouseButton.LeftButton:
            if self._picture is not None:  # drawing starts afresh over a dropped picture
                self._picture = None
            self._strokes.append((self.brush_width, [self._to_image(event.position())]))
            self._changed()

    def mouseMoveEvent(self, event):
        if event.buttons() & Qt.MouseButton.LeftButton and self._strokes:
            self._strokes[-1][1].append(self._to_image(event.position()))
            self._changed()

    def _changed(self):
        self._render()
        self.update()
        self.changed.emit()

    def _render(self):
        """Draw the backing image: what the model reads."""
        self._image.fill(PAPER)
        painter = QPainter(self._image)
        self._draw(painter)
        painter.end()

    def _draw(self, painter):
        """Draw the picture and the strokes, in image coordinates, on ``painter``."""
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        if self._picture is not None:
            target = QRectF(self._picture.rect()).size().scaled(
                RESOLUTION, RESOLUTION, Qt.AspectRatioMode.KeepAspectRatio)
            left = (RESOLUTION - target.width()) / 2
            top = (RESOLUTION - target.height()) / 2
            painter.drawImage(QRectF(left, top, target.width(), target.height()), self._picture)
        for width, points in self._strokes:
            pen = QPen(INK, width, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap,
                       Qt.PenJoinStyle.RoundJoin)
            painter.setPen(pen)
            if len(points) == 1:
                painter.drawPoint(points[0])
                continue
            path = QPainterPath(points[0])
            for point in points[1:]:
                path.lineTo(point)
            painter.drawPath(path)

    def paintEvent(self, event):
        # The strokes are drawn again at the screen's resolution, not the 280-pixel image
        # scaled up: that showed stair-stepped edges, worst at a scale factor of 2.
        painter = QPainter(self)
        side = min(self.width(), self.height())
        painter.fillRect(QRectF(0, 0, side, side), PAPER)
        painter.save()
        painter.setClipRect(QRectF(0, 0, side, side))
        painter.scale(side / RESOLUTION, side / RESOLUTION)
        self._draw(painter)
        painter.restore()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        painter.setPen(QPen(QColor(180, 180, 180), 1))
        painter.drawRect(QRectF(0.5, 0.5, side - 1, side - 1))
        if self.is_empty:
            painter.setPen(QColor(150, 150, 150))
            painter.drawText(QRectF(0, 0, side, side), Qt.AlignmentFlag.AlignCenter, "draw a digit")
        painter.end()

    # ------------------------------------------------------------ drop

    def dragEnterEvent(self, event):
        if event.mimeData().hasImage() or event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event):
        data = event.mimeData()
        if data.hasImage():
            self.set_picture(QImage(data.imageData()))
        elif data.hasUrls():
            self.fileDropped.emit(data.urls()[0].toLocalFile())
        event.acceptProposedAction()
