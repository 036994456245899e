"""The plots' readout: a crosshair and a floating box of the values of the points nearest
to it, moved by the mouse (hover) or, on a focused plot, by the keyboard.

The box floats over the loss plot (in the layout it pushed the plots around); the mouse's
readout goes when the pointer leaves the plots, and follows new points. It lists at most
:data:`READOUT_RUNS` runs, those nearest the pointer first (fifty runs made a box taller
than the plots). Keys: Left and Right move along the chosen run's points, Home and End
to its first and last, Up and Down choose another run on show, Escape hides the box; a
screen reader is told each new reading.
"""

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QLabel

from .accessibility import announce
from .theme import ThemedPlot

#: Runs the readout lists at most.
READOUT_RUNS = 6


def nearest(xs, at, log):
    """The index of the point of increasing ``xs`` nearest to ``at`` as the axis shows it:
    on a log axis ``at`` is log10 of x, and nearness is measured in it (the point at x = 0
    is not drawn there, so it is never nearest)."""
    if log:
        with np.errstate(divide="ignore"):
            xs = np.log10(xs)
    i = int(np.clip(np.searchsorted(xs, at), 0, len(xs) - 1))
    if i > 0 and abs(xs[i - 1] - at) < abs(xs[i] - at):
        i -= 1
    return i


def x_text(x):
    """A point's x as the readout says it: counts in full (30,000, not 3e+04)."""
    return f"{x:,.0f}" if float(x).is_integer() else f"{x:,.4g}"


class ReadPlot(ThemedPlot):
    """A plot whose values its :class:`PlotReadout` reads out: keys go to it, and it hides
    when the pointer leaves (virtual overrides, not event filters: see ThemedPlot)."""

    readout = None

    def keyPressEvent(self, event):
        if self.readout is not None and self.readout.key_pressed(self, event.key()):
            event.accept()
            return
        super().keyPressEvent(event)

    def leaveEvent(self, event):
        if self.readout is not None:
            self.readout.hide()
        super().leaveEvent(event)


class PlotReadout(QObject):
    """The readout of a :class:`ui.curve_plots.CurvePlots` (its ``label`` is the box)."""

    def __init__(self, plots):
        super().__init__(plots)
        self.plots = plots
        self.label = QLabel(plots, objectName="hoverReadout")
        self.label.setTextFormat(Qt.TextFormat.RichText)
        self.label.setStyleSheet("QLabel { background: palette(base); color: palette(text);"
                                 " border: 1px solid palette(mid); padding: 3px; }")
        self.label.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.label.hide()
        self.crosshairs = []
        for plot in self._plots():
            line = pg.InfiniteLine(angle=90, movable=False, pen=pg.mkPen("#999", width=1))
            line.setVisible(False)
            plot.addItem(line, ignoreBounds=True)
            self.crosshairs.append(line)
        self._hover_at = None  # (plot, scene position) of the last hover
        self._key_at = None  # (run id, point index) of the keyboard's readout
        self._proxies = [pg.SignalProxy(plot.scene().sigMouseMoved, rateLimit=30,
                                        slot=lambda event, plot=plot: self.hovered(plot, event[0]))
                         for plot in self._plots()]
        for plot in self._plots():
            plot.readout = self  # (its keys, and the pointer leaving it)
            plot.setFocusPolicy(Qt.FocusPolicy.StrongFocus)

    def _plots(self):
        return (self.plots.loss_plot, self.plots.accuracy_plot)

    def hide(self):
        self._hover_at = None
        self.label.hide()
        for line in self.crosshairs:
            line.setVisible(False)

    def follow(self):
        """New points or runs: the mouse's readout reads them."""
        if self._hover_at is not None:
            self.hovered(*self._hover_at)

    def hovered(self, plot, position):
        if not plot.sceneBoundingRect().contains(position):
            return
        self._hover_at = (plot, position)
        at = plot.getPlotItem().vb.mapSceneToView(position)  # x is log10(x) on a log axis
        self.show_at(at.x(), plot, at.y())

    def show_at(self, at, plot, y=None, chosen=None):
        """The crosshair at ``at`` (the view's x) and the readout of the runs' points
        nearest to it: ``chosen``'s alone, else those nearest to ``y`` on ``plot`` first."""
        for line in self.crosshairs:  # the plots share their x axis: one line in each
            line.setPos(at)
            line.setVisible(True)
        field = "test_loss" if plot is self.plots.loss_plot else "test_accuracy"
        log = self.plots.log_x.isChecked()
        found = []
        for curves in ([chosen] if chosen is not None else self.plots.all_curves()):
            if not curves.run.visible or curves.count == 0:
                continue
            i = nearest(curves.column(self.plots.x_field), at, log)
            value = curves.column(field)[i]
            found.append((abs(value - y) if y is not None and np.isfinite(value) else 0.0, curves, i))
        found.sort(key=lambda item: item[0])
        if not found:
            self.label.hide()
            return
        parts = [self._line(curves, i) for _, curves, i in found[:READOUT_RUNS]]
        if len(found) > READOUT_RUNS:
            parts.append(f"<i>and {len(found) - READOUT_RUNS} more runs (nearest first)</i>")
        self.label.setText("<br>".join(parts) + " <i>(train / test)</i>")
        self.label.adjustSize()
        corner = self.plots.loss_plot.geometry().topLeft()
        self.label.move(corner.x() + 60, corner.y() + 6)  # right of the loss plot's y axis
        self.label.show()
        self.label.raise_()

    def _line(self, curves, i):
        column = curves.column
        return (f"<span style='color:{curves.run.color}'>■</span> {curves.run.name} "
                f"({curves.run.settings.describe()}) @ {x_text(column(self.plots.x_field)[i])}: loss "
                f"{column('train_loss')[i]:.4f} / {column('test_loss')[i]:.4f}, accuracy "
                f"{column('train_accuracy')[i]:.4f} / {column('test_accuracy')[i]:.4f}")

    def key_pressed(self, plot, key):
        """A key on a focused plot (see the module); returns whether it was used."""
        keys = Qt.Key
        if key == keys.Key_Escape:
            self._key_at = None
            self.hide()
            return True
        shown = [c for c in self.plots.all_curves() if c.run.visible and c.count]
        if not shown or key not in (keys.Key_Left, keys.Key_Right, keys.Key_Up, keys.Key_Down,
                                    keys.Key_Home, keys.Key_End):
            return False
        run_id, i = self._key_at if self._key_at is not None else (shown[0].run.id, shown[0].count - 1)
        order = [c.run.id for c in shown]
        k = order.index(run_id) if run_id in order else 0
        if key in (keys.Key_Up, keys.Key_Down):
            k = (k + (1 if key == keys.Key_Down else -1)) % len(shown)
        curves = shown[k]
        log = self.plots.log_x.isChecked()
        lowest = 1 if log and curves.count > 1 else 0  # (x = 0 is not on a log axis)
        i = {keys.Key_Left: i - 1, keys.Key_Right: i + 1, keys.Key_Home: lowest,
             keys.Key_End: curves.count - 1}.get(key, i)
        i = int(np.clip(i, lowest, curves.count - 1))
        self._key_at = (curves.run.id, i)
        x = curves.column(self.plots.x_field)[i]
        self.show_at(np.log10(x) if log else x, plot, chosen=curves)
        announce(plot, self.label.text())
        return True
