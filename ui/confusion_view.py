"""Confusion matrix of a model on the test set, with per-class precision and recall.

Click a cell to see its test images (most confident first) in the gallery below; the
"most confident mistakes" button fills the gallery with the worst errors overall.
"""

import numpy as np
from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QIcon
from PySide6.QtWidgets import (QAbstractItemView, QCheckBox, QHBoxLayout, QListWidget,
                               QListWidgetItem, QPushButton, QTableWidget, QTableWidgetItem,
                               QVBoxLayout, QWidget)

from compute.studies import analysis
from compute.storage.classes import names_or_numbers
from compute.engine.preprocess import SIDE

from .labels import wrapping_label
from .qt_images import pixmap_from_array

THUMBNAIL = 3  # MNIST's 28x28 shown at 84x84


class Gallery(QListWidget):
    """Test images with what the model made of them."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("gallery")
        self.setViewMode(QListWidget.ViewMode.IconMode)
        self.setIconSize(QSize(SIDE * THUMBNAIL, SIDE * THUMBNAIL))
        self.setResizeMode(QListWidget.ResizeMode.Adjust)
        self.setMovement(QListWidget.Movement.Static)
        self.setSpacing(4)

    def show_examples(self, images, labels, predicted, confidence, names):
        """Thumbnails captioned "true → predicted  confidence", classes by ``names``."""
        self.clear()
        for image, label, guess, sure in zip(images, labels, predicted, confidence):
            side = int(np.sqrt(image.size))
            gray = (np.clip(image.reshape(side, side), 0, 1) * 255).astype(np.uint8)
            icon = QIcon(pixmap_from_array(np.kron(gray, np.ones((THUMBNAIL, THUMBNAIL), np.uint8))))
            self.addItem(QListWidgetItem(icon, f"{names[label]} → {names[guess]}  {sure:.0%}"))


class ConfusionView(QWidget):
    """``cellChosen(true, predicted)`` and ``mistakesWanted()`` ask for gallery contents."""

    cellChosen = Signal(int, int)
    mistakesWanted = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("confusionView")
        self.caption = wrapping_label("Select a run to see its confusion matrix on the test set.")
        self.busy = False  # a gallery is being found
        self.normalised = QCheckBox("row-normalised", objectName="normalisedCheck")
        self.mistakes = QPushButton("Most confident mistakes", objectName="mistakesButton")
        self.table = QTableWidget(objectName="confusionTable")
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.gallery_caption = wrapping_label()
        self.gallery = Gallery()
        bar = QHBoxLayout()
        bar.addWidget(self.caption, 1)
        bar.addWidget(self.normalised)
        bar.addWidget(self.mistakes)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.table, 3)
        layout.addWidget(self.gallery_caption)
        layout.addWidget(self.gallery, 2)
        self.confusion = None
        self.names = ()
        self.normalised.toggled.connect(lambda _: self._fill())
        self.table.cellClicked.connect(self._clicked)
        self.mistakes.clicked.connect(self.mistakesWanted)

    def set_confusion(self, confusion, title="", names=()):
        """Show ``confusion`` (K, K) of the run ``title``, its classes called ``names``
        (their numbers when not given)."""
        self.confusion = None if confusion is None else np.asarray(confusion)
        self.names = names_or_numbers(names, 0 if confusion is None else self.confusion.shape[0])
        accuracy = (np.trace(self.confusion) / self.confusion.sum()) if self.confusion is not None else 0
        self.caption.setText(f"{title}: test accuracy {accuracy:.4f} (rows: true class, columns: "
                             "predicted; last row precision, last column recall)"
                             if self.confusion is not None else "No run selected.")
        self.gallery.clear()
        self.gallery_caption.setText("Click a cell to see its test images.")
        self._fill()

    def _fill(self):
        if self.confusion is None:
            self.table.setRowCount(0)
            self.table.setColumnCount(0)
            return
        K = self.confusion.shape[0]
        fractions = analysis.row_normalised(self.confusion)
        colours, light_text = analysis.confusion_colours(self.confusion)
        precision, recall = analysis.precision_recall(self.confusion)
        self.table.setRowCount(K + 1)
        self.table.setColumnCount(K + 1)
        names = list(self.names)
        self.table.setHorizontalHeaderLabels(names + ["recall"])
        self.table.setVerticalHeaderLabels(names + ["precision"])
        for t in range(K):
            for p in range(K):
                text = f"{fractions[t, p]:.3f}" if self.normalised.isChecked() else str(self.confusion[t, p])
                item = QTableWidgetItem(text)
                item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                item.setBackground(QBrush(QColor(*colours[t, p].tolist())))
                # (set either way: the theme's text colour may be light on a light cell)
                item.setForeground(QBrush(QColor("white" if light_text[t, p] else "black")))
                self.table.setItem(t, p, item)
            self.table.setItem(t, K, QTableWidgetItem(f"{recall[t]:.3f}"))
        for p in range(K):
            self.table.setItem(K, p, QTableWidgetItem(f"{precision[p]:.3f}"))
        self.table.setItem(K, K, QTableWidgetItem(""))
        self.table.resizeColumnsToContents()

    def _clicked(self, row, column):
        if self.confusion is not None and row < self.confusion.shape[0] and column < self.confusion.shape[0]:
            self.gallery_caption.setText(f"True {self.names[row]}, predicted {self.names[column]}: "
                                         f"{self.confusion[row, column]} test images, most confident first")
            self.cellChosen.emit(row, column)

    def show_busy(self, caption):
        """Digits are being found for ``caption`` (it took 5 s under load, with no sign)."""
        self.busy = True
        self.gallery.clear()
        self.gallery_caption.setText(f"{caption}: finding the digits…")
        self.gallery.setCursor(Qt.CursorShape.BusyCursor)

    def show_idle(self):
        self.busy = False
        self.gallery.unsetCursor()

    def show_examples(self, caption, images, labels, predicted, confidence):
        self.show_idle()
        self.gallery_caption.setText(caption)
        self.gallery.show_examples(images, labels, predicted, confidence, self.names)
