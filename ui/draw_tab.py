"""Draw a digit and see what a model makes of it: canvas, tools, model choice, prediction.

Predictions run in a worker thread, at most every PREDICT_MS while drawing; each carries
a generation number, and one that comes back after the drawing or the model changed
again is dropped.
"""

from functools import partial
from pathlib import Path

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import (QComboBox, QFileDialog, QHBoxLayout, QLabel, QMenu, QMessageBox,
                               QPushButton, QSpinBox, QToolButton, QVBoxLayout, QWidget)
from compute.studies import analysis
from compute.storage import my_digits
from compute.engine import preprocess
from compute.engine.inputs import PIXELS, Inputs
from compute.storage.classes import names_or_numbers

from .digit_canvas import DigitCanvas
from .evidence_view import EvidenceView
from .prediction_view import PredictionView

PREDICT_MS = 40
BUNDLED = "bundled:"  # the model box's key of a shipped model is this and its own key


def _classify(generation, model, pixels, inputs):
    prepared, probabilities = preprocess.classify(model, pixels, inputs)
    why, seen = None, prepared.pixels
    if probabilities is not None and inputs.deskew:  # the digit as the model sees it, upright
        seen = Inputs(deskew=True).dense(prepared.features).reshape(prepared.pixels.shape)
    if probabilities is not None and inputs.features == "pixels":  # each pixel's evidence
        why = analysis.evidence(model, seen)
    elif probabilities is not None:  # each cell's
        why = analysis.cell_evidence(model, inputs.dense(prepared.features), inputs.orientations)
    return generation, prepared, probabilities, why, seen


class DrawTab(QWidget):
    """The drawing page.

    Parameters
    ----------
    bundled : dict
        The shipped models, best first: key -> (label, loader returning (model, Inputs)),
        each loaded once, when first chosen. The first is chosen at the start.

    Runs to choose from arrive by :meth:`add_run`; their models are read from their
    newest snapshot, never from arrays a kernel is writing.

    Teaching: the drawing's model input, with the label chosen, goes to My digits (a
    course-schema file in the user data folder). The tab only asks; its owner writes the
    file and answers with :meth:`show_my_digits` (or :meth:`say` what failed).
    ``fineTuneRequested(model, name, inputs)`` asks for the chosen model to be fine-tuned on them.

    ``jobs`` runs the predictions and picture reads off the GUI thread (see
    :class:`ui.view.Jobs`).
    """

    fineTuneRequested = Signal(object, str, object)
    #: Export My digits (the examples, the number of classes) to a file: the owner writes
    #: it, after checking that it replaces nothing the studio reads.
    exportMyDigitsRequested = Signal(object, int, str)
    #: Keep a model input (28x28 floats) with its label, out of this many classes.
    teachRequested = Signal(object, int, int)
    #: Add the examples of a course-schema file (path, number of classes).
    importMyDigitsRequested = Signal(str, int)
    clearMyDigitsRequested = Signal()

    def __init__(self, bundled, jobs, parent=None):
        super().__init__(parent)
        self._jobs = jobs
        self._bundled = {BUNDLED + key: loader for key, (_, loader) in bundled.items()}
        self._loaded = {}  # shipped models read so far: key -> (model, Inputs)
        self._runs = {}
        self.canvas = DigitCanvas()
        self.view = PredictionView()
        self.evidence = EvidenceView()
        self.model_box = QComboBox(objectName="modelCombo")
        # Long run names are elided in the box, not given room: it widened the window.
        self.model_box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.model_box.setMinimumContentsLength(24)
        for key, (label, _) in bundled.items():
            self.model_box.addItem(label, BUNDLED + key)
        self.width_box = QSpinBox(objectName="brushWidthSpin")
        self.width_box.setRange(2, 60)
        self.width_box.setValue(int(self.canvas.brush_width))
        self.width_box.setSuffix(" px")
        clear = QPushButton("Clear (Esc)", objectName="clearButton")
        undo = QPushButton("Undo (Ctrl+Z)", objectName="undoButton")
        self.status = QLabel(objectName="drawStatus")
        self.status.setWordWrap(True)
        self.teach_label = QComboBox(objectName="teachLabelCombo")
        self.teach_label.setToolTip("what the drawing really is")
        self.teach_button = QPushButton("Add to My digits", objectName="teachButton")
        self.teach_button.setToolTip("keep the drawing's 28x28 model input with this label")
        self.fine_tune_button = QPushButton("Fine-tune", objectName="fineTuneButton")
        self.fine_tune_button.setToolTip(
            f"train the chosen model a few hundred steps on My digits ({my_digits.MIX_SHARE:.0%} of "
            "the samples) mixed with the training set, as a new run")
        self.count = QLabel(objectName="myDigitsCount")
        self.count.setWordWrap(True)
        self.fine_tune_result = QLabel(objectName="fineTuneResult")
        self.fine_tune_result.setWordWrap(True)
        manage = QToolButton(objectName="myDigitsMenuButton")
        manage.setText("My digits")
        manage.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(manage)
        for text, slot, name in (("Export…", self.export_my_digits, "myDigitsExportAction"),
                                 ("Import…", self.import_my_digits, "myDigitsImportAction"),
                                 ("Clear…", self.clear_my_digits, "myDigitsClearAction")):
            menu.addAction(text, slot).setObjectName(name)
        manage.setMenu(menu)
        self.my_digits = my_digits.MyDigits.empty()

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
        teach = QHBoxLayout()
        teach.addWidget(QLabel("It is"))
        teach.addWidget(self.teach_label)
        teach.addWidget(self.teach_button)
        teach.addWidget(self.fine_tune_button)
        teach.addWidget(manage)
        right.addLayout(teach)
        right.addWidget(self.count)
        right.addWidget(self.fine_tune_result)
        right.addWidget(self.status)
        layout = QHBoxLayout(self)
        layout.addLayout(left, 3)
        layout.addLayout(right, 2)

        self.generation = 0  # of the drawing and model on show: older answers are dropped
        self._timer = QTimer(self, singleShot=True, interval=PREDICT_MS)
        self._timer.timeout.connect(self.predict_now)
        self.canvas.changed.connect(self._invalidate)
        self.canvas.fileDropped.connect(self.open_picture)
        self.model_box.currentIndexChanged.connect(lambda _: self._model_changed())
        self.teach_button.clicked.connect(self.teach)
        self.fine_tune_button.clicked.connect(self.fine_tune)
        self.prepared = None  # the model input of the prediction on show
        # "It is" follows the prediction until the user picks a label for this drawing.
        self.label_picked = False
        self.teach_label.activated.connect(lambda _: setattr(self, "label_picked", True))
        self.width_box.valueChanged.connect(lambda value: setattr(self.canvas, "brush_width", float(value)))
        clear.clicked.connect(self.canvas.clear)
        undo.clicked.connect(self.canvas.undo)
        self._fill_labels()

    # ------------------------------------------------------------ models

    def current_model(self):
        """The chosen model (a training run's newest snapshot), or None."""
        key = self.model_box.currentData()
        if key in self._bundled:
            return self._shipped(key)[0]
        run = self._runs.get(key)
        return run.model if run is not None else None

    def _shipped(self, key):
        if key not in self._loaded:
            self._loaded[key] = self._bundled[key]()
        return self._loaded[key]

    def current_inputs(self):
        """What the chosen model reads of a drawing (a shipped model's file says)."""
        key = self.model_box.currentData()
        if key in self._bundled:
            return self._shipped(key)[1]
        run = self._runs.get(key)
        return Inputs.of(run.settings) if run is not None else PIXELS

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

    # ------------------------------------------------------------ teaching

    def _model_changed(self):
        self._invalidate()
        self._fill_labels()

    def _fill_labels(self):
        """The label chooser lists the chosen model's classes (the bundled model's are the
        ten digits: it is not read from its file for that)."""
        run = self._runs.get(self.model_box.currentData())
        model = run.model if run is not None else None
        names = names_or_numbers(self.current_class_names(), model.n_classes if model else 10)
        if [self.teach_label.itemText(i) for i in range(self.teach_label.count())] != list(names):
            keep = self.teach_label.currentIndex()
            self.teach_label.clear()
            self.teach_label.addItems(list(names))
            self.teach_label.setCurrentIndex(max(keep, 0) if keep < len(names) else 0)
        self._show_count()

    def _show_count(self):
        n = self.teach_label.count() or 10
        counts = self.my_digits.counts(n) if len(self.my_digits) else [0] * n
        names = [self.teach_label.itemText(i) for i in range(self.teach_label.count())]
        per_class = ", ".join(f"{name}: {c}" for name, c in zip(names, counts) if c)
        self.count.setText(f"My digits: {len(self.my_digits)}" + (f" ({per_class})" if per_class else ""))
        self.count.setToolTip(f"kept in {my_digits.default_path()} (course HDF5: also usable as "
                              "--train/--test data on the command line)")
        self.fine_tune_button.setEnabled(len(self.my_digits) > 0)
        self.teach_button.setEnabled(self.prepared is not None)

    def teach(self):
        """Ask for the drawing's model input, labelled as chosen, to join My digits."""
        if self.prepared is None:
            self.say("Draw something first: the model's input is what is kept.")
            return
        self.teachRequested.emit(self.prepared.pixels, self.teach_label.currentIndex(),
                                 self.teach_label.count())

    def show_my_digits(self, digits):
        """My digits as they are now (after a load, an addition, an import or a clear)."""
        self.my_digits = digits
        self._show_count()

    def fine_tune(self):
        model = self.current_model()
        if model is None or not len(self.my_digits):
            self.say("Add drawings to My digits first, then fine-tune a model on them.")
            return
        self.fine_tune_result.setText("Fine-tuning… (a new run in the run list)")
        self.fineTuneRequested.emit(model, self.model_box.currentText(), self.current_inputs())

    def show_fine_tune(self, run, mine_before, mine_after, test_before, test_after):
        """A fine-tune ended: what it did on My digits and on the test set; its model is
        chosen, so the drawing is read by it."""
        self.fine_tune_result.setText(
            f"{run.name}: My digits {mine_before:.0%} → {mine_after:.0%} correct, "
            f"test set {test_before:.2%} → {test_after:.2%}")
        self.choose_run(run)

    def export_my_digits(self):
        path = QFileDialog.getSaveFileName(self, "Export My digits", str(Path.home() / "my_digits.hdf5"),
                                           "HDF5 (*.hdf5 *.h5)")[0]
        if path:
            self.exportMyDigitsRequested.emit(self.my_digits, self.teach_label.count() or 10, path)

    def import_my_digits(self):
        path = QFileDialog.getOpenFileName(self, "Import digits (course HDF5)", str(Path.home()),
                                           "HDF5 (*.hdf5 *.h5)")[0]
        if path:
            self.importMyDigitsRequested.emit(path, self.teach_label.count() or 10)

    def clear_my_digits(self):
        answer = QMessageBox.question(self, "Clear My digits",
                                      f"Forget all {len(self.my_digits)} of My digits?")
        if answer == QMessageBox.StandardButton.Yes:
            self.clearMyDigitsRequested.emit()

    # ------------------------------------------------------------ predicting

    def _invalidate(self):
        """The drawing or the model changed: answers in flight are out of date."""
        self.generation += 1
        self._timer.start()

    def predict_now(self):
        self._timer.stop()
        if self.canvas.is_empty:
            self.label_picked = False  # a new drawing: "It is" offers its answer again
            self.view.show_empty()
            self.evidence.show_empty()
            self.prepared = None
            self.teach_button.setEnabled(False)
            return
        model = self.current_model()
        if model is None:
            self.view.show_empty("this run has no parameters yet")
            self.evidence.show_empty()
            return
        self._jobs(_classify, self.generation, model, self.canvas.pixels(), self.current_inputs(),
                   on_result=self.show_answer, on_error=partial(self._failed, self.generation))

    def _failed(self, generation, error):
        if generation == self.generation:  # (not of a drawing since cleared or changed)
            self.say(error)

    def show_answer(self, result):
        """An answer (generation, model input, probabilities, evidence) from a worker;
        dropped when the drawing or the model changed since it was asked for."""
        generation, prepared, probabilities, why, seen = result
        if generation != self.generation:
            return  # the drawing or the model changed since: a newer answer is coming
        self.prepared = None if probabilities is None else prepared
        self.teach_button.setEnabled(self.prepared is not None)
        if probabilities is None:
            self.view.show_empty("no ink found")
            self.evidence.show_empty()
            return
        self.view.show_prediction(seen, probabilities, self.current_class_names(),
                                  deskewed=self.current_inputs().deskew)
        if not self.label_picked and int(probabilities.argmax()) < self.teach_label.count():
            self.teach_label.setCurrentIndex(int(probabilities.argmax()))  # "It is" offers the answer
        self.evidence.show_evidence(why, self.current_class_names(),
                                    cells=self.current_inputs().features == "gradients")
        self.status.setText("")

    def open_picture(self, path):
        """Show and classify a picture file, read in a worker with the command line's checks
        (raster formats only, a size limit); a file it refuses is named in the status line."""
        self._jobs(preprocess.read_image, path, on_result=self.canvas.set_picture_array,
                   on_error=self.say)

    def say(self, text):
        """Show what went wrong (an error or its text) in the status line."""
        self.status.setText(str(text))
        self.view.show_empty("cannot classify")
        self.evidence.show_empty()
