"""The model's weights: one image per class on a shared diverging scale (white is zero,
red pushes towards the class, blue away from it); a line per class when the features
are not a square image."""

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QStackedWidget, QVBoxLayout, QWidget

from compute.engine.inputs import PIXELS
from compute.studies import analysis
from compute.storage.classes import captions, names_or_numbers

from .labels import wrapping_label
from .qt_images import pixmap_from_array
from .theme import ThemedPlot

COLUMNS = 5
CAPTION_PX = 22  # room for a tile's class name under it


class Tiles(QWidget):
    """Pictures (one per class) in a grid of ``columns``, as large as the widget allows
    (pixels stay square and sharp), each with a caption; drawn in one paint, so it never
    pushes the window's size."""

    def __init__(self, columns=COLUMNS, parent=None):
        super().__init__(parent)
        self.columns = columns
        self.pictures = []  # one QPixmap per class, a pixel per feature
        self.captions = []  # what each picture is called

    def show_images(self, images, captions, limit=None):
        """Show (n, h, w) ``images`` on one diverging scale (±``limit``, default their
        largest magnitude), captioned."""
        colored = analysis.diverging_rgb(images, limit) if len(images) else []
        self.pictures = [pixmap_from_array(tile) for tile in colored]
        self.captions = list(captions)
        self.update()

    def tile_rects(self):
        """Where each class's picture goes, as QRects (also for tests)."""
        count = len(self.pictures)
        if not count:
            return []
        columns = min(self.columns, count)
        rows = -(-count // self.columns)
        gap = 8
        side = max(8, min((self.width() - gap * (columns + 1)) // columns,
                          (self.height() - rows * (CAPTION_PX + gap)) // rows))
        left = (self.width() - columns * side - (columns - 1) * gap) // 2
        return [QRect(left + (k % self.columns) * (side + gap),
                      gap + (k // self.columns) * (side + CAPTION_PX + gap), side, side)
                for k in range(count)]

    def paintEvent(self, event):
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)  # sharp pixels
        for rect, picture, caption in zip(self.tile_rects(), self.pictures, self.captions):
            painter.drawPixmap(rect, picture)
            painter.drawText(QRect(rect.left() - 4, rect.bottom() + 2, rect.width() + 8, CAPTION_PX - 4),
                             Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop, caption)
        painter.end()


class WeightsView(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("weightsView")
        self.caption = wrapping_label("Select a run to see its weights.")
        self.tiles = Tiles()
        self.lines = ThemedPlot()
        self.lines.setObjectName("weightLines")
        self.lines.setLabel("bottom", "feature")
        self.lines.setLabel("left", "weight")
        self.pages = QStackedWidget()
        self.pages.addWidget(self.tiles)
        self.pages.addWidget(self.lines)
        layout = QVBoxLayout(self)
        layout.addWidget(self.caption)
        layout.addWidget(self.pages, 1)
        self.limit = None

    def set_model(self, model, title="", names=(), inputs=PIXELS):
        """Show ``model``'s weights (or clear the view for None), its classes called
        ``names`` (their numbers when not given); ``inputs``: what the model reads
        (gradient histograms are drawn as the strokes each class looks for)."""
        if model is None:
            self.caption.setText("Select a run to see its weights.")
            self.tiles.show_images(np.zeros((0, 1, 1)), ())
            return
        names = names_or_numbers(names, model.n_classes)
        if inputs.features == "gradients":
            strokes = analysis.stroke_images(model, inputs)
            self.caption.setText(f"{title}: the strokes each class looks for (its strongest "
                                 "weights, per cell and edge direction, over the 28x28 grid"
                                 f"{' of the deskewed digit' if inputs.deskew else ''})")
            self.pages.setCurrentWidget(self.tiles)
            self.tiles.show_images(strokes, captions(names))
            return
        images = analysis.weight_images(model)
        self.limit = float(np.abs(model.weights).max()) or 1.0
        self.caption.setText(f"{title}: weights per class{' (of the deskewed digit)' if inputs.deskew else ''}, "
                             f"shared scale ±{self.limit:.3g} (red: evidence for the class, blue: against)")
        if images is None:
            self.pages.setCurrentWidget(self.lines)
            self.lines.clear()
            for k, row in enumerate(model.weights):
                self.lines.plot(row, pen=pg.intColor(k, hues=model.n_classes), name=names[k])
            return
        self.pages.setCurrentWidget(self.tiles)
        self.tiles.show_images(images, captions(names), self.limit)
