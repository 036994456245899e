"""Why this digit: for the model's top classes, the evidence each pixel of its 28x28
input gave (weight x pixel: red for the class, blue against, one scale for all), and
the sum that makes the class's logit."""

import html

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGridLayout, QLabel, QWidget

from compute.studies import analysis

from .labels import wrapping_label
from .qt_images import pixmap_from_array

TILE_PX = 70  # 2.5 screen pixels per input pixel
PIXELS_TITLE = "<b>Why:</b> evidence per pixel (weight × pixel), top classes"
CELLS_TITLE = ("<b>Why:</b> evidence per cell (weights × the cell's gradient histogram, "
               "summed over directions), top classes")


class EvidenceView(QWidget):
    """Up to three evidence maps with their logit sums; empty until there is a prediction."""

    def __init__(self, top=3, parent=None):
        super().__init__(parent)
        self.setObjectName("evidenceView")
        self.top = top
        self.title = wrapping_label(PIXELS_TITLE)
        self.title.setWordWrap(True)
        self.tiles = [QLabel() for _ in range(top)]
        self.captions = [QLabel() for _ in range(top)]
        grid = QGridLayout(self)
        grid.addWidget(self.title, 0, 0, 1, top)
        for i, (tile, caption) in enumerate(zip(self.tiles, self.captions)):
            tile.setFixedSize(TILE_PX, TILE_PX)
            tile.setAlignment(Qt.AlignmentFlag.AlignCenter)
            caption.setAlignment(Qt.AlignmentFlag.AlignCenter)
            caption.setWordWrap(True)
            grid.addWidget(tile, 1, i, Qt.AlignmentFlag.AlignHCenter)
            grid.addWidget(caption, 2, i)
        self.evidence = None
        self.show_empty()

    def show_empty(self):
        self.evidence = None
        for tile, caption in zip(self.tiles, self.captions):
            tile.clear()
            caption.clear()
        self.title.setVisible(False)

    def show_evidence(self, evidence, names=(), cells=False):
        """Show an :class:`compute.studies.analysis.Evidence` (square maps: 28x28 pixels, or
        with ``cells`` a gradient model's cells), classes called ``names``."""
        self.evidence = evidence
        self.title.setText(CELLS_TITLE if cells else PIXELS_TITLE)
        self.title.setVisible(True)
        side = round(evidence.maps.shape[1] ** 0.5)
        limit = float(abs(evidence.maps).max()) or 1.0
        count = len(evidence.classes)
        names = names or None
        colored = analysis.diverging_rgb(evidence.maps.reshape(count, side, side), limit)
        for i, (tile, caption) in enumerate(zip(self.tiles, self.captions)):
            if i >= count:
                tile.clear()
                caption.clear()
                continue
            tile.setPixmap(pixmap_from_array(colored[i]).scaled(TILE_PX, TILE_PX))
            k = evidence.classes[i]
            name = html.escape(names[k] if names else str(k))
            caption.setText(f"<b>{name}</b>: logit {evidence.logits[i]:.2f}<br>"
                            f"= {evidence.maps[i].sum():.2f} evidence {evidence.bias[i]:+.2f} bias")
