"""Draw a digit and see what a model makes of it: canvas, tools, model choice, prediction.

Predictions run in a worker thread, at most every PREDICT_MS while drawing; each carries
a generation number, and one that comes back after the drawing or the model changed
again is dropped.
"""

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (QComboBox, QHBoxLayout, QLabel, QPushButton, QSpinBox, QVBoxLayout,
                               QWidget)
from compute import analysis, preprocess

from .background import run_in_background
from .digit_canvas import DigitCanvas
from .evidence_view import EvidenceView
from .prediction_view import PredictionView

PREDICT_MS = 40
BUNDLED = "bundled"


def _classify(generation, model, pixels):
    prepared, probabilities = preprocess.classify(model, pixels)
    why = None if probabilities is None else analysis.evidence(model, prepared.pixels)
    return generation, prepared, probabilities, why


class DrawTab(QWidget):
    """The drawing page.

    Parameters
    ----------
    bundled_model : callable, optional
        Returns the bundled weights (called once, when first chosen); without it the
        choice is not offered.

    Runs to choose from arrive by :meth:`add_run`; their models are read from their
    newest snapshot, never from arrays a kernel is writing.
    """

    def __init__(self, bundled_model=None, parent=None):
        super().__init__(parent)
        self._bundled_loader = bundled_model
        self._runs = {}
        self.canvas = DigitCanvas()
        self.view = PredictionView()
        self.evidence = EvidenceView()
        self.model_box = QComboBox(objectName="modelCombo")
        if bundled_model is not None:
            self.model_box.addItem("Bundled weights (best preset on MNIST)", BUNDLED)
        self.width_box = QSpinBox(objectName="brushWidthSpin")
        self.width_box.setRange(2, 60)
        self.width_box.setValue(int(self.canvas.brush_width))
        self.width_box.setSuffix(" px")
        clear = QPushButton("Clear (Esc)", objectName="clearButton")
        undo = QPushButton("Undo (Ctrl+Z)", objectName="undoButton")
        self.status = QLabel(objectName="drawStatus")
        self.status.setWordWrap(True)

        tools = QHBoxLayout()
        tools.addWidget(QLabel("Brush"))
        tools.addWidget(self.width_box)
        tools.addWidget(undo)
        tools.addWidget(clear)
        tools.addStretch(1)
        left = QVBoxLayout()
        left.addLayout(tools)
        left.addWidget(self.canvas, 1)
        left.addWidget(QLabel("Drop or paste (Ctrl+V) an image to classify it."))
        right = QVBoxLayout()
        model_row = QHBoxLayout()
        model_row.addWidget(QLabel("Model"))
        model_row.addWidget(self.model_box, 1)
        right.addLayout(model_row)
        right.addWidget(self.view, 1)
        right.addWidget(self.evidence)
        right.addWidget(self.status)
        layout = QHBoxLayout(self)
        layout.addLayout(left, 3)
        layout.addLayout(right, 2)

        self._bundled = None
        self._generation = 0
        self._timer = QTimer(self, singleShot=True, interval=PREDICT_MS)
        self._timer.timeout.connect(self.predict_now)
        self.canvas.changed.connect(self._invalidate)
        self.canvas.fileDropped.connect(self.open_picture)
        self.model_box.currentIndexChanged.connect(lambda _: self._invalidate())
        self.width_box.valueChanged.connect(lambda value: setattr(self.canvas, "brush_width", float(value)))
        clear.clicked.connect(self.canvas.clear)
        undo.clicked.connect(self.canvas.undo)

    # ------------------------------------------------------------ models

    def current_model(self):
        """The chosen model (a training run's newest snapshot), or None."""
        key = self.model_box.currentData()
        if key == BUNDLED:
            if self._bundled is None:
                self._bundled = self._bundled_loader()
            return self._bundled
        run = self._runs.get(key)
        return run.model if run is not None else None

    def current_class_names(self):
        """What the chosen model calls its classes (the bundled model's: digits)."""
        run = self._runs.get(self.model_box.currentData())
        return run.class_names if run is not None else ()

    def choose_run(self, run):
        self.model_box.setCurrentIndex(self.model_box.findData(run.id))

    def add_run(self, run):
        self._runs[run.id] = run
        self.model_box.addItem(run.name, run.id)

    def remove_run(self, run):
        self._runs.pop(run.id, None)
        index = self.model_box.findData(run.id)
        if index >= 0:
            self.model_box.removeItem(index)

    def update_run(self, run):
        """``run`` was renamed, or ended: show its name, and its final answer."""
        index = self.model_box.findData(run.id)
        if index >= 0:
            self.model_box.setItemText(index, run.name)
        self.run_learned(run)

    def run_learned(self, run):
        """``run`` has newer parameters."""
        if self.model_box.currentData() == run.id and not self.canvas.is_empty:
            self._invalidate()  # the selected run trained on: its answer may change

    # ------------------------------------------------------------ predicting

    def _invalidate(self):
        """The drawing or the model changed: answers in flight are out of date."""
        self._generation += 1
        self._timer.start()

    def predict_now(self):
        self._timer.stop()
        if self.canvas.is_empty:
            self.view.show_empty()
            self.evidence.show_empty()
            return
        model = self.current_model()
        if model is None:
            self.view.show_empty("this run has no parameters yet")
            self.evidence.show_empty()
            return
        run_in_background(_classify, self._generation, model, self.canvas.pixels(),
                          on_result=self._show, on_error=lambda error: self._say(str(error)))

    def _show(self, result):
        generation, prepared, probabilities, why = result
        if generation != self._generation:
            return  # the drawing or the model changed since: a newer answer is coming
        if probabilities is None:
            self.view.show_empty("no ink found")
            self.evidence.show_empty()
            return
        self.view.show_prediction(prepared.pixels, probabilities, self.current_class_names())
        self.evidence.show_evidence(why, self.current_class_names())
        self.status.setText("")

    def open_picture(self, path):
        """Show and classify a picture file, read in a worker with the command line's checks
        (raster formats only, a size limit); a file it refuses is named in the status line."""
        run_in_background(preprocess.read_image, path, on_result=self.canvas.set_picture_array,
                          on_error=lambda error: self._say(str(error)))

    def _say(self, text):
        self.status.setText(text)
        self.view.show_empty("cannot classify")
        self.evidence.show_empty()
