"""Step by step: one update of gradient descent with every quantity in it.

The tab trains a copy of the selected run's parameters (or of the bundled pixel model),
never the run itself, with the settings in the form: Step takes one update, Step x10 ten,
Run to next point as many as a run takes to its next point. For the update just taken it
shows the batch (up to 16 examples; for gradient features, each one's histograms too,
``stepFeaturesView``), their probabilities p against the one-hot y, the gradient of each
class's weights as a 28x28 picture (``gradientView``, the weights view's colours), the
weights before and after, the optimizer's state, and the formulas with the batch's
numbers. Gradient histograms are drawn as strokes over the 28x28 grid. Updates, and the
pictures, are computed in a worker thread.
"""

import html
from dataclasses import asdict, replace

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (QAbstractItemView, QHBoxLayout, QLabel, QPushButton, QScrollArea,
                               QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from compute.storage.classes import names_or_numbers
from compute.studies import analysis
from compute.engine.inputs import Inputs
from compute.engine.step import Stepper

from .weights_view import Tiles

SHOWN = 16  # examples of a batch on show
TILES_PX = 150  # height of a row of class pictures
STROKE_SCALE = 4  # pixels of a stroke picture per pixel of the image


def pictures(record, inputs, side):
    """Worker body: the update's quantities as pictures, by name ("gradient", "before",
    "after", "state": (label, pictures) pairs, "features": each shown example's feature
    vector, or None for pixels). Weights of pixels are pictures as they are; those of
    gradient histograms, and the examples' histograms, are drawn as strokes over the
    28x28 grid (:func:`compute.studies.analysis.strokes`). None when neither applies."""
    gradients = inputs.features == "gradients"
    if gradients:
        def draw(values):
            return analysis.strokes(values, inputs, side, scale=STROKE_SCALE, signed=True)
    elif side * side == record.X.shape[1]:
        def draw(values):
            return values.reshape(len(values), side, side)
    else:
        return None
    return {"gradient": draw(record.grad_w), "before": draw(record.before.weights),
            "after": draw(record.after.weights),
            "state": [(label, draw(values)) for label, values in record.state.items()],
            "features": draw(record.X[:SHOWN]) if gradients else None}


def _tiles(name, columns=10):
    tiles = Tiles(columns)
    tiles.setObjectName(name)
    tiles.setMinimumHeight(TILES_PX)
    return tiles


class StepView(QWidget):
    """The step-by-step tab. ``settings`` returns the settings to step with (the form's);
    ``bundled`` returns a shipped model and its inputs (used when no run is selected: the
    pixel model, whose weights are pictures); ``jobs`` runs the
    steps off the GUI thread (see :class:`ui.view.Jobs`)."""

    def __init__(self, settings, bundled, jobs, parent=None):
        super().__init__(parent)
        self._jobs = jobs
        self.setObjectName("stepView")
        self._settings, self._bundled = settings, bundled
        self.data = None
        self.run = None
        self.stepper = None
        self.record = None
        self.busy = False  # a step is being computed
        self.source = QLabel(objectName="stepSource")
        self.source.setWordWrap(True)
        self.reset_button = QPushButton("Start from the selected run", objectName="stepResetButton")
        self.step_button = QPushButton("Step", objectName="stepButton")
        self.step10_button = QPushButton("Step ×10", objectName="step10Button")
        self.point_button = QPushButton("Run to next point", objectName="stepToPointButton")
        self.formulas = QLabel(objectName="stepFormulas")
        self.formulas.setTextFormat(Qt.TextFormat.RichText)
        self.formulas.setWordWrap(True)
        self.batch = _tiles("stepBatchView", columns=SHOWN)
        self.batch.setMinimumHeight(90)
        self.features = _tiles("stepFeaturesView", columns=SHOWN)
        self.features.setMinimumHeight(90)
        self.features_caption = QLabel("<b>What the model reads</b> of each example: its gradient "
                                       "histograms, drawn as strokes (each cell's edge directions, "
                                       "darker where stronger):")
        self.features_caption.setWordWrap(True)
        for widget in (self.features_caption, self.features):  # until a gradient model steps
            widget.setVisible(False)
        self.table = QTableWidget(objectName="stepProbabilities")
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setMinimumHeight(200)
        self.gradient = _tiles("gradientView")
        self.before = _tiles("stepWeightsBefore")
        self.after = _tiles("stepWeightsAfter")
        self.state = _tiles("stepStateView")
        self.state_caption = QLabel()

        bar = QHBoxLayout()
        for button in (self.reset_button, self.step_button, self.step10_button, self.point_button):
            bar.addWidget(button)
        bar.addStretch(1)
        page = QWidget()
        column = QVBoxLayout(page)
        column.addWidget(self.source)
        column.addLayout(bar)
        column.addWidget(self.formulas)
        column.addWidget(QLabel("<b>The batch</b> (true label y, and the probability p the model gave it "
                                "before the step):"))
        column.addWidget(self.batch)
        column.addWidget(self.features_caption)
        column.addWidget(self.features)
        column.addWidget(QLabel("<b>p</b> for each class (rows: the examples above; the true class "
                                "shaded: there p − y = p − 1, elsewhere p − y = p):"))
        column.addWidget(self.table)
        for caption, tiles in (("<b>Gradient</b> of each class's weights, ∂L/∂w<sub>k</sub> "
                                "(red: the step lowers these weights, blue: raises them):", self.gradient),
                               ("<b>Weights before</b> the step:", self.before),
                               ("<b>Weights after</b> the step (same scale):", self.after)):
            column.addWidget(QLabel(caption))
            column.addWidget(tiles)
        column.addWidget(self.state_caption)
        column.addWidget(self.state)
        scroll = QScrollArea(objectName="stepScroll")
        scroll.setWidget(page)
        scroll.setWidgetResizable(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(scroll)

        self.reset_button.clicked.connect(self.reset)
        self.step_button.clicked.connect(lambda: self.take(1))
        self.step10_button.clicked.connect(lambda: self.take(10))
        self.point_button.clicked.connect(
            lambda: self.take(self.stepper.updates_to_next_point() if self.stepper else 1))
        self._update_buttons()
        self._say_source()

    # ------------------------------------------------------------ inputs

    def set_data(self, pair):
        self.data = pair
        self.stepper = None
        self._update_buttons()
        self._say_source()

    def set_run(self, run):
        """The run selected in the run list (its parameters are copied at the next reset)."""
        self.run = run
        self._say_source()

    def _say_source(self):
        what = (f"the run <b>{html.escape(self.run.name)}</b>" if self.run is not None
                and self.run.model is not None else "the bundled pixel weights")
        if self.stepper is None:
            self.source.setText(f"Takes a copy of {what} (the run is not changed) and steps with the "
                                "settings in the Train tab's form. Press a step button to begin.")

    # ------------------------------------------------------------ stepping

    def reset(self):
        """Start again from a copy of the selected run's parameters (or the bundled ones)."""
        if self.data is None or self.busy:
            return
        chosen = self.run is not None and self.run.model is not None
        if not chosen and self._bundled is None:
            self.source.setText("Select a run in the run list first.")
            return
        model, inputs = (self.run.model, Inputs.of(self.run.settings)) if chosen else self._bundled()
        names = self.run.class_names if chosen else ()
        settings = replace(self._settings(), **asdict(inputs))
        try:
            self.stepper = Stepper(self.data, settings, model)
        except ValueError as error:
            self.source.setText(str(error))
            return
        self.names = names_or_numbers(names, model.n_classes)
        what = self.run.name if chosen else "the bundled pixel weights"
        reads = "" if inputs.pixels else f", reading {inputs.describe()}"
        self.source.setText(f"Stepping a copy of {html.escape(what)} with "
                            f"{html.escape(settings.describe())}{html.escape(reads)}.")
        self.record = None
        self._update_buttons()

    def take(self, count):
        """Take ``count`` updates in a worker; then show the last."""
        if self.busy:
            return
        if self.stepper is None:
            self.reset()
            if self.stepper is None:
                return
        self.busy = True
        self._update_buttons()
        if self.record is None:  # measured: 4 s with an empty kernel cache, then under 1 ms
            self.formulas.setText("Taking the first step… (the first time on this computer also "
                                  "compiles the float64 kernels: a few seconds)")
        shape = self.data.train.image_shape
        self._jobs(self._step, count, shape[0] if shape else None,
                   on_result=lambda result: self.show_record(*result),
                   on_error=lambda error: self.source.setText(str(error)),
                   on_finished=self._done)

    def _step(self, count, side):
        """Worker body: take ``count`` updates; the last one's record, and its pictures
        (of images ``side`` pixels square; None: not images)."""
        record = self.stepper.steps(count)
        side = side or round(record.X.shape[1] ** 0.5)
        return record, pictures(record, Inputs.of(self.stepper.settings), side)

    def _done(self):
        self.busy = False
        self._update_buttons()

    def _update_buttons(self):
        ready = self.data is not None and not self.busy
        for button in (self.reset_button, self.step_button, self.step10_button, self.point_button):
            button.setEnabled(ready)

    # ------------------------------------------------------------ showing

    def show_record(self, record, drawn=None):
        """Show an update: its ``record`` and ``drawn``, its :func:`pictures`."""
        self.record = record
        names = self.names
        K = record.p.shape[1]
        shown = min(SHOWN, len(record.rows))
        p_true = record.p[np.arange(len(record.labels)), record.labels]
        side = self.data.train.image_shape[0] if self.data is not None and self.data.train.image_shape else None
        if side is not None:  # the pixels the model reads (deskewed or not), else the digits
            digits = (record.X[:shown] if record.X.shape[1] == side * side
                      else self.data.train.rows.dense(record.rows[:shown]))
            self.batch.show_images(-digits.reshape(shown, side, side), [
                f"{names[y]} · {p:.2f}" for y, p in zip(record.labels[:shown], p_true[:shown])], 1.0)
        self.table.setRowCount(shown)
        self.table.setColumnCount(K)
        self.table.setHorizontalHeaderLabels(list(names))
        self.table.setVerticalHeaderLabels([f"y={names[y]}" for y in record.labels[:shown]])
        for i in range(shown):
            for k in range(K):
                item = QTableWidgetItem(f"{record.p[i, k]:.3f}")
                item.setToolTip(f"p − y = {record.delta[i, k]:+.4f}")
                if k == record.labels[i]:
                    item.setBackground(QBrush(QColor("#d9ead3")))
                    item.setForeground(QBrush(QColor("black")))  # (a dark theme's text is light)
                self.table.setItem(i, k, item)
        self.table.resizeColumnsToContents()
        features = drawn is not None and drawn["features"] is not None
        self.features.setVisible(features)
        self.features_caption.setVisible(features)
        if features:
            self.features.show_images(drawn["features"], [names[y] for y in record.labels[:shown]])
        states = drawn["state"] if drawn is not None else []
        self.state.setVisible(bool(states))
        self.state_caption.setVisible(bool(states))
        if drawn is None:  # not images: nothing to draw, and nothing stale from an earlier model
            for tiles in (self.gradient, self.before, self.after, self.state):
                tiles.show_images(np.zeros((0, 1, 1)), ())
        else:
            self.gradient.show_images(drawn["gradient"], [f"{names[k]}: ∂b {record.grad_b[k]:+.3f}"
                                                         for k in range(K)])
            limit = float(max(np.abs(record.before.weights).max(), np.abs(record.after.weights).max())) or 1.0
            self.before.show_images(drawn["before"], [f"{names[k]}: b {record.before.bias[k]:+.3f}"
                                                      for k in range(K)], limit)
            self.after.show_images(drawn["after"], [f"{names[k]}: b {record.after.bias[k]:+.3f}"
                                                    for k in range(K)], limit)
        if states:
            self.state.show_images(np.concatenate([images for _, images in states]),
                                   [f"{label.split(' ')[0]} {names[k]}" for label, _ in states for k in range(K)])
            self.state.setMinimumHeight(TILES_PX * len(states))
            self.state_caption.setText("<b>Optimizer state</b> after the step: "
                                       + ", ".join(html.escape(label) for label, _ in states))
        self.formulas.setText(self._formulas(record))

    def _formulas(self, record):
        settings = self.stepper.settings
        B = len(record.rows)
        rule = {
            "sgd": f"w ← w − η ∇ = w − {record.learning_rate:g} ∇",
            "momentum": f"u ← {settings.momentum:g} u + ∇;  w ← w − {record.learning_rate:g} u",
            "nesterov": f"u ← {settings.momentum:g} u + ∇;  w ← w − {record.learning_rate:g} (∇ + "
                        f"{settings.momentum:g} u)",
            "adagrad": f"s ← s + ∇²;  w ← w − {record.learning_rate:g} ∇ / (√s + {settings.epsilon:g})",
            "rmsprop": f"s ← {settings.rho:g} s + {1 - settings.rho:g} ∇²;  w ← w − "
                       f"{record.learning_rate:g} ∇ / (√s + {settings.epsilon:g})",
            "adam": f"m ← {settings.beta1:g} m + {1 - settings.beta1:g} ∇;  v ← {settings.beta2:g} v + "
                    f"{1 - settings.beta2:g} ∇²;  w ← w − {record.learning_rate:g} · m/(1 − "
                    f"{settings.beta1:g}<sup>{record.step}</sup>) / (√(v/(1 − {settings.beta2:g}"
                    f"<sup>{record.step}</sup>)) + {settings.epsilon:g})",
        }[settings.optimizer]
        l2 = f" + {settings.l2:g} w" if settings.l2 else ""
        seen = self.stepper.samples_seen
        return (f"<b>Update {record.step}</b>, a batch of B = {B} (samples {seen - B + 1:,} to {seen:,} "
                f"of the run):<br>"
                f"loss L = −(1/B) Σ<sub>i</sub> log p<sub>i,y<sub>i</sub></sub> = "
                f"<b>{record.loss_before:.4f}</b> before, <b>{record.loss_after:.4f}</b> after the step<br>"
                f"∇ = ∂L/∂w<sub>k</sub> = (1/B) Σ<sub>i</sub> (p<sub>ik</sub> − y<sub>ik</sub>) x<sub>i</sub>"
                f"{l2};  ∂L/∂b<sub>k</sub> = (1/B) Σ<sub>i</sub> (p<sub>ik</sub> − y<sub>ik</sub>) "
                f"(|∇| largest {np.abs(record.grad_w).max():.4f})<br>"
                f"{rule} (the bias the same way, without L2)")
