"""The training settings form: preset, optimizer, batch size, learning rate and the rest.

It maps both ways between widgets and :class:`compute.settings.Settings`:
:meth:`ControlPanel.settings` reads the form, :meth:`ControlPanel.set_settings` fills it.
Choosing a preset fills the form; editing a field afterwards shows "custom".
"""

import dataclasses
import math

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDoubleSpinBox, QFormLayout, QFrame,
                               QGroupBox, QHBoxLayout, QLabel, QScrollArea, QSpinBox, QVBoxLayout,
                               QWidget)

from compute.settings import READS
from compute.settings import FEATURES, MAX_EPOCHS, OPTIMIZERS, PRESETS, SCHEDULES, Settings, SettingsError

CUSTOM = "custom"
EXTRAS = READS  # which extra settings each optimizer reads


class LogSpinBox(QDoubleSpinBox):
    """A spin box for positive values that steps through 1, 2, 5, 10, 20, ... and takes any
    typed value: the natural scale for a learning rate."""

    def stepBy(self, steps):
        value = self.value()
        for _ in range(abs(steps)):
            value = _next_125(value, up=steps > 0)
        self.setValue(value)

    def textFromValue(self, value):
        return f"{value:.6g}"

    def valueFromText(self, text):
        try:
            return float(text)
        except ValueError:
            return self.value()

    def validate(self, text, position):
        from PySide6.QtGui import QValidator

        try:
            value = float(text)
        except ValueError:
            return QValidator.State.Intermediate, text, position
        ok = self.minimum() <= value <= self.maximum()
        return (QValidator.State.Acceptable if ok else QValidator.State.Intermediate), text, position


def _next_125(value, up):
    """The next value of the 1-2-5 series above (or below) ``value``."""
    exponent = math.floor(math.log10(value))
    candidates = [m * 10.0**e for e in (exponent - 1, exponent, exponent + 1) for m in (1, 2, 5)]
    if up:
        return min(c for c in candidates if c > value * (1 + 1e-9))
    return max(c for c in candidates if c < value * (1 - 1e-9))


def _double(name, low, high, decimals, step):
    box = QDoubleSpinBox()
    box.setObjectName(name)
    box.setRange(low, high)
    box.setDecimals(decimals)
    box.setSingleStep(step)
    return box


def _whole_box(name, low, high, suffix):
    box = QSpinBox(objectName=name)
    box.setRange(low, high)
    box.setSuffix(suffix)
    return box


class ControlPanel(QWidget):
    """The settings form. ``settingsChanged`` fires on every edit."""

    settingsChanged = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self._filling = False

        self.preset = QComboBox(objectName="presetCombo")
        self.preset.addItems([CUSTOM, *PRESETS])
        self.optimizer = QComboBox(objectName="optimizerCombo")
        self.optimizer.addItems(list(OPTIMIZERS))
        self.batch_size = QSpinBox(objectName="batchSizeSpin")
        self.batch_size.setRange(1, 10_000_000)
        self.full_batch = QCheckBox("full batch", objectName="fullBatchCheck")
        self.learning_rate = LogSpinBox(objectName="learningRateSpin")
        self.learning_rate.setRange(1e-6, 100.0)
        self.learning_rate.setDecimals(6)
        self.epochs = QSpinBox(objectName="epochsSpin")
        self.epochs.setRange(1, MAX_EPOCHS)
        self.eval_every = QSpinBox(objectName="evalEverySpin")
        self.eval_every.setRange(1, 100_000_000)
        self.eval_every.setSingleStep(1000)
        self.eval_every.setSuffix(" samples")
        self.seed = QSpinBox(objectName="seedSpin")
        self.seed.setRange(0, 2**31 - 1)
        self.l2 = _double("l2Spin", 0.0, 10.0, 6, 1e-4)
        self.schedule = QComboBox(objectName="scheduleCombo")
        self.schedule.addItems(list(SCHEDULES))
        self.shuffle = QCheckBox("shuffle each epoch", objectName="shuffleCheck")
        self.deskew = QCheckBox("deskew", objectName="deskewCheck")
        self.deskew.setToolTip("For digits: centre each image and undo its slant before the model "
                               "reads it (about +3 points on MNIST). Leave it off for other images: "
                               "it costs Fashion-MNIST 1.5 points (preset best-gradients)")
        self.features = QComboBox(objectName="featuresCombo")
        self.features.addItems(list(FEATURES))
        self.features.setToolTip("What the model reads: the pixels, or gradient-orientation "
                                 "histograms of them (cells of a few pixels, a few directions)")
        self.feature_options = {"cell": _whole_box("cellSpin", 1, 64, " px"),
                                "stride": _whole_box("strideSpin", 1, 64, " px"),
                                "orientations": _whole_box("orientationsSpin", 2, 64, "")}
        for box, tip in zip(self.feature_options.values(),
                            ("Each cell's size", "A cell every this many pixels", "Gradient directions")):
            box.setToolTip(tip)
        self.extras = {
            "momentum": _double("momentumSpin", 0.0, 0.999, 3, 0.01),
            "beta1": _double("beta1Spin", 0.0, 0.999, 3, 0.01),
            "beta2": _double("beta2Spin", 0.0, 0.99999, 5, 0.001),
            "rho": _double("rhoSpin", 0.0, 0.999, 3, 0.01),
            "epsilon": LogSpinBox(objectName="epsilonSpin"),
        }
        self.extras["epsilon"].setDecimals(15)
        self.extras["epsilon"].setRange(1e-12, 1e-2)
        self.problem = QLabel(objectName="settingsProblem")
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet("color: #b00020;")

        batch_row = QHBoxLayout()
        batch_row.addWidget(self.batch_size, 1)
        batch_row.addWidget(self.full_batch)
        self.form = QFormLayout()
        self.form.addRow("Preset", self.preset)
        self.form.addRow("Optimizer", self.optimizer)
        self.form.addRow("Batch size", batch_row)
        self.form.addRow("Learning rate", self.learning_rate)
        self.form.addRow("Epochs", self.epochs)
        self.form.addRow("A point every", self.eval_every)
        self.form.addRow("Schedule", self.schedule)
        self.form.addRow("L2", self.l2)
        self.form.addRow("Seed", self.seed)
        self.form.addRow("", self.shuffle)
        labels = {"momentum": "Momentum", "beta1": "β1", "beta2": "β2", "rho": "ρ (decay)",
                  "epsilon": "ε"}
        for key, box in self.extras.items():
            self.form.addRow(labels[key], box)
        inputs_row = QHBoxLayout()
        inputs_row.addWidget(self.features, 1)
        inputs_row.addWidget(self.deskew)
        self.form.addRow("Inputs", inputs_row)
        self.cells = QWidget()
        cells_row = QHBoxLayout(self.cells)
        cells_row.setContentsMargins(0, 0, 0, 0)
        cells_row.addWidget(self.feature_options["cell"], 1)
        cells_row.addWidget(QLabel("every"))
        cells_row.addWidget(self.feature_options["stride"], 1)
        self.form.addRow("Cells", self.cells)
        self.form.addRow("Directions", self.feature_options["orientations"])
        group = QGroupBox("Training")
        group.setLayout(self.form)
        # On a short screen (1024x700) the form scrolls rather than making the window taller.
        self.group = group
        self.scroller = QScrollArea(objectName="settingsScroll")
        self.scroller.setWidget(group)
        self.scroller.setWidgetResizable(True)
        self.scroller.setFrameShape(QFrame.Shape.NoFrame)
        self.scroller.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroller.setMinimumWidth(group.minimumSizeHint().width())
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.scroller, 1)
        layout.addWidget(self.problem)

        self.set_settings(Settings())
        self.preset.currentTextChanged.connect(self._preset_chosen)
        for box in (self.optimizer, self.schedule, self.features):
            box.currentTextChanged.connect(self._edited)
        for box in (self.batch_size, self.learning_rate, self.epochs, self.eval_every, self.seed,
                    self.l2, *self.extras.values(), *self.feature_options.values()):
            box.valueChanged.connect(self._edited)
        for box in (self.full_batch, self.shuffle, self.deskew):
            box.toggled.connect(self._edited)

    # ------------------------------------------------------------ both ways

    def settings(self):
        """The form as :class:`Settings` (not validated; see :meth:`problem_text`)."""
        return Settings(
            optimizer=self.optimizer.currentText(),
            batch_size=None if self.full_batch.isChecked() else self.batch_size.value(),
            learning_rate=self.learning_rate.value(),
            epochs=self.epochs.value(),
            eval_every=self.eval_every.value(),
            seed=self.seed.value(),
            l2=self.l2.value(),
            schedule=self.schedule.currentText(),
            shuffle=self.shuffle.isChecked(),
            deskew=self.deskew.isChecked(),
            features=self.features.currentText(),
            **{key: box.value() for key, box in self.extras.items()},
            **{key: box.value() for key, box in self.feature_options.items()},
        )

    def set_settings(self, settings, preset=None):
        """Fill the form from ``settings``; ``preset`` names it in the preset box."""
        self._filling = True
        try:
            self.optimizer.setCurrentText(settings.optimizer)
            self.full_batch.setChecked(settings.batch_size is None)
            if settings.batch_size is not None:
                self.batch_size.setValue(settings.batch_size)
            self.learning_rate.setValue(settings.learning_rate)
            self.epochs.setValue(settings.epochs)
            self.eval_every.setValue(settings.eval_every)
            self.seed.setValue(settings.seed)
            self.l2.setValue(settings.l2)
            self.schedule.setCurrentText(settings.schedule)
            self.shuffle.setChecked(settings.shuffle)
            for key, box in self.extras.items():
                box.setValue(getattr(settings, key))
            self.deskew.setChecked(settings.deskew)
            self.features.setCurrentText(settings.features)
            for key, box in self.feature_options.items():
                box.setValue(getattr(settings, key))
            self.preset.setCurrentText(preset or self._matching_preset(settings))
        finally:
            self._filling = False
        self._refresh()
        self.settingsChanged.emit()

    def problem_text(self):
        """Why the settings cannot start, or an empty string."""
        try:
            self.settings().validated()
        except SettingsError as error:
            return str(error)
        return ""

    # ------------------------------------------------------------ reactions

    def _matching_preset(self, settings):
        for name, values in PRESETS.items():
            if dataclasses.replace(values, seed=settings.seed) == settings:
                return name
        return CUSTOM

    def _preset_chosen(self, name):
        if self._filling or name == CUSTOM:
            return
        self.set_settings(dataclasses.replace(PRESETS[name], seed=self.seed.value()), preset=name)

    def _edited(self, *_):
        if self._filling:
            return
        self._filling = True
        self.preset.setCurrentText(self._matching_preset(self.settings()))
        self._filling = False
        self._refresh()
        self.settingsChanged.emit()

    def _refresh(self):
        self.batch_size.setEnabled(not self.full_batch.isChecked())
        wanted = EXTRAS[self.optimizer.currentText()]
        for key, box in self.extras.items():
            self.form.setRowVisible(box, key in wanted)
        for row in (self.cells, self.feature_options["orientations"]):
            self.form.setRowVisible(row, self.features.currentText() == "gradients")
        self.problem.setText(self.problem_text())
        # As tall as the form when there is room (the rest stays below the buttons).
        self.problem.setVisible(bool(self.problem.text()))
        height = self.group.sizeHint().height()
        self.scroller.setMaximumHeight(height)
        if self.problem.text():
            height += self.problem.heightForWidth(self.scroller.width()) + self.layout().spacing()
        self.setMaximumHeight(height)
