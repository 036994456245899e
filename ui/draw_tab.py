"""Draw a digit and see what a model makes of it: canvas, tools, model choice, prediction.

Predictions run in a worker thread, at most every PREDICT_MS while drawing; each carries
a generation number, and one that comes back after the drawing or the model changed
again is dropped.
"""

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (QComboBox, QHBoxLayout, QLabel, QPushButton, QSpinBox, QVBoxLayout,
                               QWidget)
from superqt.utils import create_worker

from app.resources import BUNDLED_WEIGHTS
from compute import params, preprocess

from .digit_canvas import DigitCanvas
from .prediction_view import PredictionView

PREDICT_MS = 40
BUNDLED = "bundled"


def _classify(generation, model, pixels):
    prepared, probabilities = preprocess.classify(model, pixels)
    return generation, prepared, probabilities


class DrawTab(QWidget):
    """The drawing page; ``controller`` supplies the runs whose models can be chosen."""

    def __init__(self, controller, parent=None):
        super().__init__(parent)
        self.controller = controller
        self.canvas = DigitCanvas()
        self.view = PredictionView()
        self.model_box = QComboBox(objectName="modelCombo")
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
        right.addWidget(self.status)
        layout = QHBoxLayout(self)
        layout.addLayout(left, 3)
        layout.addLayout(right, 2)

        self._bundled = None
        self._generation = 0
        self._timer = QTimer(self, singleShot=True, interval=PREDICT_MS)
        self._timer.timeout.connect(self.predict_now)
        self.canvas.changed.connect(self._invalidate)
        self.canvas.dropFailed.connect(lambda path: self._say(f"{path}: not an image"))
        self.model_box.currentIndexChanged.connect(lambda _: self._invalidate())
        self.width_box.valueChanged.connect(lambda value: setattr(self.canvas, "brush_width", float(value)))
        clear.clicked.connect(self.canvas.clear)
        undo.clicked.connect(self.canvas.undo)
        controller.runAdded.connect(self._run_added)
        controller.runRemoved.connect(self._run_removed)
        controller.runChanged.connect(self._run_renamed)
        controller.pointsAdded.connect(self._run_learned)

    # ------------------------------------------------------------ models

    def current_model(self):
        """The chosen model (a copy of a training run's current parameters), or None."""
        key = self.model_box.currentData()
        if key == BUNDLED:
            if self._bundled is None:
                self._bundled, _ = params.load(BUNDLED_WEIGHTS)
            return self._bundled
        run = next((r for r in self.controller.runs if r.id == key), None)
        return run.current_model() if run is not None else None

    def choose_run(self, run):
        self.model_box.setCurrentIndex(self.model_box.findData(run.id))

    def _run_added(self, run):
        self.model_box.addItem(run.name, run.id)

    def _run_removed(self, run):
        index = self.model_box.findData(run.id)
        if index >= 0:
            self.model_box.removeItem(index)

    def _run_renamed(self, run):
        index = self.model_box.findData(run.id)
        if index >= 0:
            self.model_box.setItemText(index, run.name)
        self._run_learned(run)

    def _run_learned(self, run):
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
            return
        model = self.current_model()
        if model is None:
            self.view.show_empty("this run has no parameters yet")
            return
        worker = create_worker(_classify, self._generation, model, self.canvas.pixels(),
                               _start_thread=False, _ignore_errors=True)
        worker.returned.connect(self._show)
        worker.errored.connect(lambda error: self._say(str(error)))
        worker.start()

    def _show(self, result):
        generation, prepared, probabilities = result
        if generation != self._generation:
            return  # the drawing or the model changed since: a newer answer is coming
        if probabilities is None:
            self.view.show_empty("no ink found")
            return
        self.view.show_prediction(prepared.pixels, probabilities)
        self.status.setText("")

    def _say(self, text):
        self.status.setText(text)
        self.view.show_empty("cannot classify")
