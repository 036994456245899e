"""Sweeps in the studio: the form that starts one, and the plot of where each value ends.

:class:`SweepDialog` asks which setting to vary and its values (a comma list, or
``low:high:count`` on a log scale, as on the command line) and previews the count.
:class:`SweepPlot` draws each member's newest test loss (left axis) and accuracy (right
axis) against its value, filling in as the pass goes, with the best marked.
"""

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel,
                               QLineEdit, QVBoxLayout)

from compute.engine.runs import RunStatus
from compute.settings import SettingsError
from compute.engine.sweep import expand, groups, parse_values, shown

from .plot_axes import LOG_TICKS, SteadyAxis, SteppedFrame
from .theme import ThemedPlot

#: What the form offers to sweep: (label, setting, starting values).
CHOICES = (
    ("learning rate", "learning_rate", "1e-3:1:8"),
    ("batch size", "batch_size", "10,50,100,500"),
    ("L2", "l2", "1e-6:1e-2:5"),
    ("optimizer", "optimizer", "sgd,momentum,adagrad,rmsprop,adam"),
    ("momentum", "momentum", "0,0.5,0.9,0.99"),
    ("epochs", "epochs", "1,2,5"),
    ("schedule", "schedule", "constant,step,inverse,cosine"),
    ("seed", "seed", "0,1,2,3,4"),
)
#: Settings whose values span decades: their plot's x axis is logarithmic.
LOG_SETTINGS = {"learning_rate", "l2", "epsilon"}


class SweepDialog(QDialog):
    """Which setting to sweep and its values; ``sweepRequested(base, setting, values)``
    when the user starts it."""

    sweepRequested = Signal(object, str, list)

    def __init__(self, base, parent=None):
        super().__init__(parent)
        self.setObjectName("sweepDialog")
        self.setWindowTitle("Sweep a setting")
        self.base = base
        self.setting = QComboBox(objectName="sweepSettingCombo")
        for label, name, _ in CHOICES:
            self.setting.addItem(label, name)
        self.values = QLineEdit(objectName="sweepValuesEdit")
        self.values.setToolTip("a comma list (0.01,0.1,1), or low:high:count on a log scale (1e-3:1:8)")
        self.count = QLabel(objectName="sweepCountLabel")
        self.count.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.start = self.buttons.addButton("Start sweep", QDialogButtonBox.ButtonRole.AcceptRole)
        self.start.setObjectName("sweepStartButton")
        form = QFormLayout()
        form.addRow("Setting", self.setting)
        form.addRow("Values", self.values)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"Every other setting as in the form: {base.describe()}."))
        layout.addLayout(form)
        layout.addWidget(self.count)
        layout.addWidget(self.buttons)
        self.setting.currentIndexChanged.connect(self._setting_changed)
        self.values.textChanged.connect(self._preview)
        self.buttons.accepted.connect(self._accept)
        self.buttons.rejected.connect(self.reject)
        self._setting_changed()

    def chosen(self):
        """(setting, values) as typed, or raises :class:`SettingsError` saying what is wrong."""
        name = self.setting.currentData()
        values = parse_values(name, self.values.text())
        expand(self.base, {name: values})  # every member's settings must be valid
        return name, values

    def _setting_changed(self):
        self.values.setText(CHOICES[self.setting.currentIndex()][2])
        self._preview()

    def _preview(self):
        try:
            name, values = self.chosen()
        except SettingsError as error:
            self.count.setText(f"<span style='color:#b00020'>{error}</span>")
            self.start.setEnabled(False)
            return
        passes = len(groups([settings for settings, _ in expand(self.base, {name: values})]))
        listed = ", ".join(shown(v) for v in values[:6]) + (", …" if len(values) > 6 else "")
        self.count.setText(f"{len(values)} models: {listed} · {passes} pass(es) over the data")
        self.start.setEnabled(True)

    def _accept(self):
        try:
            name, values = self.chosen()
        except SettingsError:
            return
        self.sweepRequested.emit(self.base, name, values)
        self.accept()


LOSS_COLOUR, ACCURACY_COLOUR = "#0072B2", "#D55E00"  # (Okabe-Ito blue and vermilion)
#: The steps of the plot's entrance, apart (ms): about a frame, each painted alone and on
#: screen for no longer (the in-between layouts are not to be seen).
ENTRANCE_MS = 20


class SweepPlot(ThemedPlot):
    """Final test loss (left) and accuracy (right) of a sweep's members against the swept
    value; the best (lowest loss) marked with a star."""

    def __init__(self, parent=None):
        super().__init__(parent, axisItems={"right": SteadyAxis("right")})
        self.setObjectName("sweepPlot")
        self.group = None
        item = self.getPlotItem()
        item.showAxis("right")
        self._label_axes()
        self.on_palette.append(self._label_axes)  # (theming gives labels the text's colour)
        for side in ("left", "right", "bottom"):  # "accuracy (x0.001)" helps nobody
            item.getAxis(side).enableAutoSIPrefix(False)
        self.accuracy_view = pg.ViewBox()
        item.scene().addItem(self.accuracy_view)
        item.getAxis("right").linkToView(self.accuracy_view)
        self.accuracy_view.setXLink(item)
        item.vb.sigResized.connect(self._align_views)
        self.loss = item.plot(pen=pg.mkPen(LOSS_COLOUR, width=2), symbol="o", symbolSize=7,
                              symbolBrush=LOSS_COLOUR)
        self.accuracy = pg.PlotDataItem(pen=pg.mkPen(ACCURACY_COLOUR, width=2, style=Qt.PenStyle.DashLine),
                                        symbol="s", symbolSize=7, symbolBrush=ACCURACY_COLOUR)
        self.accuracy_view.addItem(self.accuracy)
        self.best = item.plot(pen=None, symbol="star", symbolSize=18, symbolBrush="#E69F00",
                              symbolPen=pg.mkPen("#333"))
        self.values = []  # (x, loss, accuracy) drawn, for tests
        # The axes are framed here: the x axis on the values, known at the start, and the
        # y axes in steps (pyqtgraph's auto-range moved them, and all three axes were drawn
        # again at each refresh, 6-8 ms of its 12-15).
        self._frames = SteppedFrame(item.vb), SteppedFrame(self.accuracy_view)
        self._entering = None  # (the group, the splitter, the widget held) while coming on screen
        self._held = None  # (that widget, its minimum and maximum height) meanwhile

    def _label_axes(self, palette=None):
        """Each axis's label in its curve's colour and marker, instead of a legend in the
        plot: at 140 px high, one covered the curves."""
        item = self.getPlotItem()
        item.setLabel("left", "● final test loss", color=LOSS_COLOUR)
        item.setLabel("right", "■ final test accuracy", color=ACCURACY_COLOUR)

    def _align_views(self):
        self.accuracy_view.setGeometry(self.getPlotItem().vb.sceneBoundingRect())
        self.accuracy_view.linkedViewChanged(self.getPlotItem().vb, self.accuracy_view.XAxis)

    def enter(self, group, splitter, held=None):
        """Come on screen in ``splitter`` for ``group``, in steps about a frame apart, each
        painted on its own: the sweep's rows and lines (the caller's); this plot's room,
        empty, taken from the others, with ``held`` (a widget among them) kept at its
        height, so that only the others are painted again; ``held`` let go (the others
        share the room again); this plot's curves. Painted together, they took 20-25 ms
        of the GUI thread in one go, a resized plot about 6 ms."""
        self._entering = group, splitter, held
        QTimer.singleShot(ENTRANCE_MS, self, lambda: self._make_room(group))

    def _make_room(self, group):
        if self._entering is None or self._entering[0] is not group:
            return
        splitter, held = self._entering[1:]
        self.set_group(group)
        if not self.isHidden() and splitter.sizes()[splitter.indexOf(self)] > 0:
            self._fill(group)  # on screen already (a sweep before): the new one only
            return
        self.getPlotItem().setVisible(False)
        if held is not None:
            self._held = held, held.minimumHeight(), held.maximumHeight()
            held.setFixedHeight(held.height())
        self.setVisible(True)
        give_room(splitter, self)
        QTimer.singleShot(ENTRANCE_MS, self, lambda: self._let_go(group))

    def _let_go(self, group):
        if self._held is not None:
            held, low, high = self._held
            self._held = None
            held.setMinimumHeight(low)
            held.setMaximumHeight(high)
        QTimer.singleShot(ENTRANCE_MS, self, lambda: self._fill(group))

    def _fill(self, group):
        if self._entering is not None and self._entering[0] is group:
            self._entering = None
            self.getPlotItem().setVisible(True)

    def entered(self):
        """Finish the entrance at once (a sweep that ended before it did)."""
        if self._entering is not None:
            group = self._entering[0]
            self._make_room(group)
            self._let_go(group)
            self._fill(group)

    def set_group(self, group):
        """Follow ``group`` (a :class:`compute.engine.runs.SweepGroup`)."""
        self.group = group
        numeric = all(isinstance(v, (int, float)) or v is None for v in group.values)
        self.log_x = group.setting in LOG_SETTINGS
        item = self.getPlotItem()
        item.setLogMode(x=self.log_x)
        self.accuracy.setLogMode(self.log_x, False)
        label = group.setting.replace("_", " ")
        item.setLabel("bottom", label + (" (log scale)" if self.log_x else ""))
        item.setTitle(f"{group.name}: where each {label} ends")
        axis = item.getAxis("bottom")
        if numeric and None not in group.values:
            # pyqtgraph labels every minor tick of a log axis, and they overlap: 1-2-5 only.
            axis.setTicks([LOG_TICKS, []] if self.log_x else None)
            self._x = [float(v) for v in group.values]
        else:  # named values (optimizers, "full"): one slot each
            self._x = list(range(len(group.values)))
            axis.setTicks([[(i, shown(v)) for i, v in enumerate(group.values)]])
        ends = [math.log10(x) for x in self._x if x > 0] if self.log_x else self._x
        if ends:
            low, high = min(ends), max(ends)
            item.vb.setXRange(low - (high == low), high + (high == low), padding=0.05)
        self.refresh()

    def refresh(self):
        """Redraw from the members' newest points."""
        if self.group is None:
            return
        drawn = [(x, run.last.test_loss, run.last.test_accuracy)
                 for x, run in zip(self._x, self.group.runs)
                 if run.last is not None and run.status != RunStatus.DIVERGED
                 and math.isfinite(run.last.test_loss)]
        drawn.sort()
        self.values = drawn
        if not drawn:
            for curve in (self.loss, self.accuracy, self.best):
                curve.setData([], [])
            return
        x, loss, accuracy = (np.array(column) for column in zip(*drawn))
        self.loss.setData(x, loss)
        self.accuracy.setData(x, accuracy)
        best = int(np.argmin(loss))
        self.best.setData([x[best]], [loss[best]])
        for frame, values in zip(self._frames, (loss, accuracy)):
            frame.fit(lambda values=values: (values.min(), values.max()))


def give_room(splitter, widget):
    """Give ``widget`` a fifth of ``splitter`` (at least its minimum), taken from the others
    in proportion, when it has none: a splitter keeps a hidden widget's share at 0, and
    showing it leaves it collapsed."""
    sizes = splitter.sizes()
    at = splitter.indexOf(widget)
    if sizes[at] == 0:
        share = max(widget.minimumHeight(), sum(sizes) // 5)
        others = sum(sizes)
        sizes = [size - share * size // others for size in sizes]
        sizes[at] = share
        splitter.setSizes(sizes)
