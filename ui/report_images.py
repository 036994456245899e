"""Pictures for run reports, drawn with the same plotting library as the live plots."""

import pyqtgraph as pg
from PySide6.QtCore import QBuffer, QCoreApplication, QEvent, QIODevice, Qt

from .plot_axes import LOG_TICKS


def curves_png(points, title, color="#1f77b4", size=(900, 700)):
    """PNG bytes of one run's log-loss and accuracy curves (train solid, test dashed).

    Needs a QApplication (offscreen is fine) and the GUI thread.
    """
    return comparison_png([(None, color, points)], title, size)


def comparison_png(series, title=None, size=(900, 700), log_x=False):
    """PNG bytes of several runs' curves on shared axes: log-loss above, accuracy below.

    ``series`` holds (name, colour, points) triples; train curves are solid, test dashed,
    and the legend names each run (or says train/test for a single unnamed run).
    ``log_x`` puts samples on a log scale (runs of very different lengths).
    """
    canvas = pg.GraphicsLayoutWidget()
    canvas.setBackground("w")
    canvas.resize(*size)
    if title is None and len(series) > 1:
        title = "solid: training set, dashed: test set"
    for row, (label, train, test) in enumerate((("log-loss (nats)", "train_loss", "test_loss"),
                                                ("accuracy", "train_accuracy", "test_accuracy"))):
        plot = canvas.addPlot(row=row, col=0, title=title if row == 0 else None)
        plot.showGrid(x=True, y=True, alpha=0.2)
        plot.addLegend(offset=(-10, 10) if row == 0 else (-10, -10))
        for side in ("left", "bottom"):
            plot.getAxis(side).enableAutoSIPrefix(False)
        plot.setLabel("left", label)
        plot.setLabel("bottom", "samples seen" + (" (log scale)" if log_x else ""))
        if log_x:
            plot.setLogMode(x=True)
            plot.getAxis("bottom").setTicks([LOG_TICKS, []])
        for name, color, points in series:
            shown = [p for p in points if p.samples_seen > 0] if log_x else points
            x = [p.samples_seen for p in shown]
            solid = pg.mkPen(color, width=2)
            dashed = pg.mkPen(color, width=2, style=Qt.PenStyle.DashLine)
            # One run: the legend tells train from test. Several: it names the runs (their
            # train curves), and the title says which line style is which set.
            plot.plot(x, [getattr(p, train) for p in shown], pen=solid,
                      name="train" if name is None else name)
            plot.plot(x, [getattr(p, test) for p in shown], pen=dashed,
                      name="test" if name is None else None)
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    canvas.grab().save(buffer, "PNG")
    canvas.deleteLater()
    # Delete it now: left for later, it could outlive a command-line QApplication and
    # crash the interpreter on exit.
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    return bytes(buffer.data())
