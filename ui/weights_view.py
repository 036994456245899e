"""The model's weights: one image per class on a shared diverging scale (white is zero,
red pushes towards the class, blue away from it); a line per class when the features
are not a square image."""

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGridLayout, QLabel, QStackedWidget, QVBoxLayout, QWidget

from compute import analysis

from .qt_images import pixmap_from_array

TILE_SCALE = 6


class WeightsView(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("weightsView")
        self.caption = QLabel("Select a run to see its weights.")
        self.tiles = QWidget()
        self.grid = QGridLayout(self.tiles)
        self.grid.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.lines = pg.PlotWidget()
        self.lines.setObjectName("weightLines")
        self.lines.setLabel("bottom", "feature")
        self.lines.setLabel("left", "weight")
        self.pages = QStackedWidget()
        self.pages.addWidget(self.tiles)
        self.pages.addWidget(self.lines)
        layout = QVBoxLayout(self)
        layout.addWidget(self.caption)
        layout.addWidget(self.pages, 1)
        self._labels = []
        self.limit = None

    def set_model(self, model, title=""):
        """Show ``model``'s weights (or clear the view for None)."""
        if model is None:
            self.caption.setText("Select a run to see its weights.")
            self._show_tiles(np.zeros((0, 1, 1)))
            return
        images = analysis.weight_images(model)
        self.limit = float(np.abs(model.weights).max()) or 1.0
        self.caption.setText(f"{title}: weights per class, shared scale ±{self.limit:.3g} "
                             "(red: evidence for the class, blue: against)")
        if images is None:
            self.pages.setCurrentWidget(self.lines)
            self.lines.clear()
            for k, row in enumerate(model.weights):
                self.lines.plot(row, pen=pg.intColor(k, hues=model.n_classes), name=str(k))
            return
        self.pages.setCurrentWidget(self.tiles)
        self._show_tiles(images)

    def _show_tiles(self, images):
        while len(self._labels) < 2 * len(images):
            picture, name = QLabel(), QLabel(alignment=Qt.AlignmentFlag.AlignHCenter)
            index = len(self._labels) // 2
            self.grid.addWidget(picture, 2 * (index // 5), index % 5)
            self.grid.addWidget(name, 2 * (index // 5) + 1, index % 5)
            self._labels += [picture, name]
        colored = analysis.diverging_rgb(images, self.limit) if len(images) else []
        for k in range(len(self._labels) // 2):
            picture, name = self._labels[2 * k], self._labels[2 * k + 1]
            visible = k < len(images)
            picture.setVisible(visible)
            name.setVisible(visible)
            if visible:
                tile = np.kron(colored[k], np.ones((TILE_SCALE, TILE_SCALE, 1), np.uint8))
                picture.setPixmap(pixmap_from_array(tile))
                name.setText(f"class {k}")
