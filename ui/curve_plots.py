"""Live log-loss and accuracy plots of every visible run.

Each run gets its curves once (train solid, test dashed, in the run's colour, with the
run's marker every few points) and a growing numpy buffer; new points are copied into the buffer and ``setData`` is called
from a short single-shot timer, so a burst of points costs one redraw.

A redraw must stay cheap for the GUI thread: most of one was painting the axes (their
tick labels), 45-110 ms every redraw while a run trains (measured offscreen, 2 cores).
So the axes are cached as pictures, and on the samples and epochs axes the x range is
set once to the whole extent of the visible runs: the runs grow into a fixed frame, and
the x axes are not redrawn at every point (longest GUI gap 39-58 ms instead of 68-142).
The grid is drawn by the views (:class:`TickGrid`), not by the axes: pyqtgraph's own
grid makes each cached axis picture as large as the plot, which doubled the painting.
"""

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (QCheckBox, QComboBox, QFrame, QGraphicsItem, QGraphicsScene, QHBoxLayout, QLabel,
                               QScrollArea, QVBoxLayout, QWidget)

from . import plot_export
from .plot_axes import LOG_TICKS, CountAxis, SteppedFrame, TickGrid, keep_end_labels
from .curve_legend import WIDTH as LEGEND_WIDTH
from .curve_legend import CurveLegend
from .plot_readout import PlotReadout, ReadPlot
from .run_curves import LINE_WIDTH, Lines, Marks, RunCurves, marker_of

X_AXES = {"samples seen": "samples_seen", "epochs": "epoch", "training seconds": "train_seconds"}
#: The plots are redrawn at most this often; a new run's curves are made at its first.
REDRAW_MS = 100  # 10 redraws a second: smooth enough; each costs ~5 ms of axis painting


class CurvePlots(QWidget):
    """The two plots, an x-axis chooser, a log-scale switch and a hover readout."""

    def __init__(self, parent=None):
        super().__init__(parent)
        # Antialiasing made each redraw several times slower (pyqtgraph PlotSpeedTest); the
        # lines look fine without it.
        pg.setConfigOptions(antialias=False)
        # Named with setObjectName: an objectName keyword to PlotWidget goes to a new curve.
        self.loss_plot = ReadPlot(axisItems={"bottom": CountAxis("bottom")})
        self.loss_plot.setObjectName("lossPlot")
        self.accuracy_plot = ReadPlot(axisItems={"bottom": CountAxis("bottom")})
        self.accuracy_plot.setObjectName("accuracyPlot")
        self.loss_plot.setLabel("left", "log-loss (nats)")
        self.accuracy_plot.setLabel("left", "accuracy")
        for plot in (self.loss_plot, self.accuracy_plot):
            # No spatial index: the curves move at every point, and keeping a BSP tree of
            # hundreds of them up to date cost more than it ever saved.
            plot.scene().setItemIndexMethod(QGraphicsScene.ItemIndexMethod.NoIndex)
            plot.addItem(TickGrid(plot.getPlotItem()), ignoreBounds=True)
            keep_end_labels(plot)
            for side in ("left", "bottom"):  # "accuracy (x0.001)" helps nobody
                plot.getAxis(side).enableAutoSIPrefix(False)
                plot.getAxis(side).setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        # The legend sits beside the plots (over them, it covered curves and was cut
        # short from about 6 runs), and scrolls; an exported picture has all of it.
        self.legend = CurveLegend()
        self.legend_scroll = QScrollArea(objectName="legendScroll")
        self.legend_scroll.setWidget(self.legend)
        self.legend_scroll.setWidgetResizable(True)
        self.legend_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.legend_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.legend_scroll.setFixedWidth(LEGEND_WIDTH + self.legend_scroll.verticalScrollBar().sizeHint().width())
        self.accuracy_plot.setXLink(self.loss_plot)
        for plot in (self.loss_plot, self.accuracy_plot):  # light or dark, as the window is
            plot.on_palette.append(self._palette_changed)
        self.x_axis = QComboBox(objectName="xAxisCombo")
        self.x_axis.addItems(list(X_AXES))
        self.log_loss = QCheckBox("log-scale loss", objectName="logLossCheck")
        self.log_loss.setToolTip("log scale on the loss plot's y axis")
        # Runs of 1 and 100 epochs side by side: on a log x axis the short ones are not a
        # sliver at zero. (The point before the first update, at x = 0, is left out there.)
        self.log_x = QCheckBox("log-scale x", objectName="logXCheck")
        self.log_x.setToolTip("log scale on the x axis of both plots")
        bar = QHBoxLayout()
        bar.addWidget(QLabel("x axis"))
        bar.addWidget(self.x_axis)
        bar.addWidget(self.log_loss)
        bar.addWidget(self.log_x)
        bar.addStretch(1)
        plots = QVBoxLayout()
        plots.addWidget(self.loss_plot, 1)
        plots.addWidget(self.accuracy_plot, 1)
        beside = QHBoxLayout()
        beside.addLayout(plots, 1)
        beside.addWidget(self.legend_scroll)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addLayout(beside, 1)
        # When this widget shrinks (the sweep's plot comes), only what moved or changed
        # size is painted again: not a plot that kept its place and size (3 ms).
        self.setAttribute(Qt.WidgetAttribute.WA_StaticContents)

        self._curves = {}
        # New runs whose curves are made at the next redraw rather than when they come:
        # a sweep's start adds 32 at once, in the click that starts it (2-3 ms saved there).
        self._unmade = {}
        self._bands = {}  # sweep over seeds -> its band items
        self._dirty = set()
        self._x_extent = None
        self._timer = QTimer(self, singleShot=True, interval=REDRAW_MS)
        self._timer.timeout.connect(self._redraw)
        # The accuracy plot is redrawn in the event loop's next turn, so that the two
        # plots are painted in two shorter pauses of the GUI thread instead of one.
        self._accuracy_timer = QTimer(self, singleShot=True, interval=0)
        self._accuracy_timer.timeout.connect(self._redraw_accuracy)
        self._accuracy_dirty = set()
        self._fit_later = QTimer(self, singleShot=True, interval=0)  # (once for a sweep's runs)
        self._fit_later.timeout.connect(self._fit_x)
        self.x_axis.currentTextChanged.connect(self._axis_changed)
        self.log_loss.toggled.connect(lambda on: self.loss_plot.setLogMode(y=on))
        self.log_x.toggled.connect(self._log_x_changed)
        self._lines = {"loss": Lines(), "accuracy": Lines()}  # every run's lines, under its markers
        self.loss_plot.addItem(self._lines["loss"])
        self.accuracy_plot.addItem(self._lines["accuracy"])
        self._marks = {"loss": Marks(self.loss_plot, "loss"), "accuracy": Marks(self.accuracy_plot, "accuracy")}
        self._y_frames = {plot: SteppedFrame(plot.getPlotItem().vb) for plot in (self.loss_plot, self.accuracy_plot)}
        self._readout = PlotReadout(self)
        self.readout = self._readout.label  # (what tests and automation read)
        self._axis_changed(self.x_axis.currentText())

    def _palette_changed(self, palette):
        self.readout.setStyleSheet(self.readout.styleSheet())  # (its palette() colours, read again)
        for curves in self._curves.values():  # (those still to make take the palette then)
            curves.restyle(palette)
        self._dirty.update(self._curves)  # (the markers' fill follows)
        self._timer.start()

    @property
    def x_field(self):
        return X_AXES[self.x_axis.currentText()]

    def update_run(self, run):
        """New points or a new look for ``run``; redrawn at most every REDRAW_MS."""
        self.legend.show_run(run, marker_of(run.id) if run.sweep is None else None)
        if run.id not in self._curves and run.id not in self._unmade:
            self._unmade[run.id] = run
            self._fit_later.start()  # the new frame in the next turn, not with the first points
        self._dirty.add(run.id)
        if not self._timer.isActive():
            self._timer.start()

    def remove_run(self, run):
        unmade = self._unmade.pop(run.id, None)
        curves = self._curves.pop(run.id, None)
        if curves is not None:
            curves.remove()
            for marks in self._marks.values():
                marks.redraw(self._curves.values(), self.x_field)
        if curves is not None or unmade is not None:
            self.legend.remove_run(run)
        self._dirty.discard(run.id)
        self._accuracy_dirty.discard(run.id)

    def update_band(self, group):
        """For a sweep over seeds: the test curves' mean +- one standard deviation across
        its members, as a shaded band with the mean drawn over it (up to the points all
        members have)."""
        if group.setting != "seed":
            return
        runs = [run for run in group.runs if run.points]
        count = min((len(run.points) for run in runs), default=0)
        bands = self._bands.get(id(group))
        if bands is None:
            colour = pg.mkColor(group.runs[len(group.runs) // 2].color)
            shade = pg.mkColor(colour)
            shade.setAlpha(60)
            bands = {}
            for name, plot in (("test_loss", self.loss_plot), ("test_accuracy", self.accuracy_plot)):
                low, high = pg.PlotDataItem(), pg.PlotDataItem()
                fill = pg.FillBetweenItem(low, high, brush=pg.mkBrush(shade))
                mean = plot.plot(pen=pg.mkPen(colour, width=LINE_WIDTH + 1))
                plot.addItem(fill)
                bands[name] = (low, high, fill, mean)
            self._bands[id(group)] = bands
        if len(runs) < 2 or count == 0:
            return
        x = np.array([getattr(point, self.x_field) for point in runs[0].points[:count]])
        for name, (low, high, _, mean) in bands.items():
            values = np.array([[getattr(point, name) for point in run.points[:count]] for run in runs])
            middle, spread = values.mean(axis=0), values.std(axis=0)
            low.setData(x, middle - spread)
            high.setData(x, middle + spread)
            mean.setData(x, middle)

    def band_values(self, group):
        """(x, mean, std) of the test loss band of ``group`` as drawn (for tests)."""
        low, high, _, mean = self._bands[id(group)]["test_loss"]
        x, middle = mean.getData()
        return x, middle, (high.getData()[1] - low.getData()[1]) / 2

    def legend_names(self):
        """The names the legend shows (runs, and sweeps), in order (for tests and automation)."""
        return self.legend.names()

    def picture(self, scale=1):
        """PNG bytes of the two plots with their legend, ``scale`` times their size on screen."""
        return plot_export.picture(self, scale)

    def svg(self):
        """SVG bytes of the two plots with their legend, as :meth:`picture` draws them."""
        return plot_export.svg(self)

    def marks(self):
        """The markers' items of the two plots (:class:`ui.run_curves.Marks`)."""
        return list(self._marks.values())

    def crosshairs(self):
        return self._readout.crosshairs

    def all_curves(self):
        """Every run's curves (:class:`ui.run_curves.RunCurves`), in the order added."""
        return list(self._made().values())

    def curves_of(self, run):
        """``run``'s curves on the plots (:class:`ui.run_curves.RunCurves`), or None."""
        return self._made().get(run.id)

    def point_count(self, run):
        """Points of ``run`` drawn so far (for tests and the status bar)."""
        curves = self._made().get(run.id)
        return curves.count if curves else 0

    def flush(self):
        """Redraw now (what the timers do)."""
        self._timer.stop()
        self._redraw()
        self._accuracy_timer.stop()
        self._redraw_accuracy()

    def _made(self):
        """Every run's curves, those of runs added since the last redraw made now."""
        for run in self._unmade.values():
            self._curves[run.id] = RunCurves(run, self._lines, self.loss_plot.palette())
        self._unmade.clear()
        return self._curves

    def _redraw(self):
        made = self._made()
        for run_id in list(self._dirty):
            curves = made.get(run_id)
            if curves is not None:
                curves.take_new_points()
                curves.redraw(self.x_field, "loss")
        if self._dirty:
            self._marks["loss"].redraw(self._curves.values(), self.x_field)
            self._fit_y(self.loss_plot, ("train_loss", "test_loss"), self.log_loss.isChecked())
        self._accuracy_dirty |= self._dirty
        self._dirty.clear()
        self._fit_x()
        self._accuracy_timer.start()
        self._readout.follow()  # new points and new runs

    def _redraw_accuracy(self):
        for run_id in list(self._accuracy_dirty):
            curves = self._curves.get(run_id)
            if curves is not None:
                curves.redraw(self.x_field, "accuracy")
        if self._accuracy_dirty:
            self._marks["accuracy"].redraw(self._curves.values(), self.x_field)
            self._fit_y(self.accuracy_plot, ("train_accuracy", "test_accuracy"), False)
        self._accuracy_dirty.clear()

    def _fit_x(self):
        """Frame the x axis on the visible runs' whole extent (samples or epochs); the
        seconds axis, whose end is not known ahead, follows the data."""
        runs = [run for run in [c.run for c in self._curves.values()] + list(self._unmade.values()) if run.visible]
        extent = None
        if runs and self.x_field in ("samples_seen", "epoch"):
            ends = [max(run.total_samples, run.samples_seen) for run in runs]
            if self.x_field == "epoch":
                ends = [end / run.latest.samples_seen * run.latest.epoch if run.latest.epoch else 1.0
                        for end, run in zip(ends, runs)]
            extent = max(max(ends), 1.0)
        if self.log_x.isChecked():
            extent = None  # log axes follow the data
        if extent == self._x_extent:
            return
        self._x_extent = extent
        view = self.loss_plot.getPlotItem().vb  # the accuracy plot's x axis is linked to it
        if extent is None:
            view.enableAutoRange(axis="x")
        else:
            view.setXRange(0, extent, padding=0.02)

    def _extent(self, names, log=False):
        """(low, high) of the visible curves' columns ``names`` (finite values, in log10
        on a log axis), or None."""
        lows, highs = [], []
        for curves in self._curves.values():
            if not (curves.run.visible and curves.count):
                continue
            for name in names:
                values = curves.column(name)
                if log:
                    values = np.log10(values[values > 0])
                values = values[np.isfinite(values)]
                if values.size:
                    lows.append(values.min())
                    highs.append(values.max())
        return (min(lows), max(highs)) if lows else None

    def _fit_y(self, plot, names, log):
        """Frame ``plot``'s y axis on its visible curves, from their buffers: pyqtgraph's
        own auto-range asked every item for its bounds at each paint (20 ms a paint with
        80 runs)."""
        self._y_frames[plot].fit(lambda: self._extent(names, log))

    def _log_x_changed(self, on):
        for plot in (self.loss_plot, self.accuracy_plot):
            plot.setLogMode(x=on)
            # pyqtgraph labels every minor tick of a log axis, and they overlap: 1-2-5 only.
            plot.getAxis("bottom").setTicks([LOG_TICKS, []] if on else None)
        self._x_extent = 0  # not a real extent: the frame is set again
        self._fit_x()

    def _axis_changed(self, text):
        for plot in (self.loss_plot, self.accuracy_plot):
            plot.setLabel("bottom", text)
            plot.getAxis("bottom").counts = X_AXES[text] == "samples_seen"
        self._dirty.update(self._curves)
        self._x_extent = None
        self._redraw()
