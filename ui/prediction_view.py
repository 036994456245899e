"""What the model makes of the drawing: the digit, the class probabilities, and the
28x28 picture it was given."""

import html

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from compute.storage.classes import names_or_numbers
from compute.engine.preprocess import SIDE

from .qt_images import pixmap_from_array
from .theme import ThemedPlot

PREVIEW_SCALE = 5


class PredictionView(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.digit = QLabel(objectName="predictedDigit")
        self.digit.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.digit.setMinimumWidth(160)
        self.preview = QLabel(objectName="modelInputPreview")
        self.preview.setFixedSize(SIDE * PREVIEW_SCALE, SIDE * PREVIEW_SCALE)
        self.preview.setStyleSheet("background: black; border: 1px solid #999;")
        self.preview.setToolTip("exactly what the model sees: 28x28, ink bright, centred")
        self.bars_plot = ThemedPlot()
        self.bars_plot.setObjectName("probabilityBars")
        self.bars_plot.setYRange(0, 1.05, padding=0)
        self.bars_plot.setMouseEnabled(x=False, y=False)
        self.bars_plot.hideButtons()
        self.bars_plot.setLabel("left", "probability")
        self.bars_plot.getAxis("left").enableAutoSIPrefix(False)
        self.bars_plot.setMinimumHeight(110)  # (160 pushed the window past 700 px with a drawing)
        self.bars = pg.BarGraphItem(x=[], height=[], width=0.7, brush="#1f77b4")
        self.bars_plot.addItem(self.bars)
        top = QHBoxLayout()
        top.addWidget(self.digit, 1)
        column = QVBoxLayout()
        self.preview_caption = QLabel("model input")
        column.addWidget(self.preview_caption)
        column.addWidget(self.preview)
        top.addLayout(column)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.bars_plot, 1)
        self.probabilities = None
        self.show_empty()

    def show_empty(self, text="draw a digit"):
        self.probabilities = None
        self.digit.setText(f"<span style='font-size:20pt; color:#888'>{text}</span>")
        self.bars.setOpts(x=[], height=[])
        self.preview.setPixmap(QPixmap())

    def show_prediction(self, pixels, probabilities, names=(), deskewed=False):
        """Show a prediction: the 28x28 input (``deskewed``: as the model sees it, upright)
        and the K class probabilities, the classes called ``names`` (their numbers when
        not given)."""
        self.preview_caption.setText("model input, deskewed" if deskewed else "model input")
        self.probabilities = np.asarray(probabilities)
        K = len(self.probabilities)
        names = names_or_numbers(names, K)
        best = int(self.probabilities.argmax())
        size = 64 if len(names[best]) <= 2 else 22  # a digit large; "Ankle boot" fits
        self.digit.setText(f"<span style='font-size:{size}pt; font-weight:bold'>{html.escape(names[best])}"
                           f"</span><br><span style='font-size:12pt'>{self.probabilities[best]:.1%} "
                           "sure</span>")
        brushes = ["#d62728" if k == best else "#1f77b4" for k in range(K)]
        self.bars.setOpts(x=np.arange(K), height=self.probabilities, brushes=brushes)
        self.bars_plot.getAxis("bottom").setTicks([list(enumerate(names))])
        gray = (np.clip(pixels, 0, 1) * 255).astype(np.uint8)
        self.preview.setPixmap(pixmap_from_array(gray).scaled(
            self.preview.size(), Qt.AspectRatioMode.KeepAspectRatio,
            Qt.TransformationMode.FastTransformation))
