"""Pictures for run reports, drawn with the same plotting library as the live plots."""

import pyqtgraph as pg
from PySide6.QtCore import QBuffer, QCoreApplication, QEvent, QIODevice, Qt


def curves_png(points, title, color="#1f77b4", size=(900, 700)):
    """PNG bytes of one run's log-loss and accuracy curves (train solid, test dashed).

    Needs a QApplication (offscreen is fine) and the GUI thread.
    """
    canvas = pg.GraphicsLayoutWidget()
    canvas.setBackground("w")
    canvas.resize(*size)
    x = [p.samples_seen for p in points]
    solid = pg.mkPen(color, width=2)
    dashed = pg.mkPen(color, width=2, style=Qt.PenStyle.DashLine)
    for row, (label, train, test) in enumerate((("log-loss (nats)", "train_loss", "test_loss"),
                                                ("accuracy", "train_accuracy", "test_accuracy"))):
        plot = canvas.addPlot(row=row, col=0, title=title if row == 0 else None)
        plot.showGrid(x=True, y=True, alpha=0.2)
        plot.addLegend(offset=(-10, 10) if row == 0 else (-10, -10))
        for side in ("left", "bottom"):
            plot.getAxis(side).enableAutoSIPrefix(False)
        plot.setLabel("left", label)
        plot.setLabel("bottom", "samples seen")
        plot.plot(x, [getattr(p, train) for p in points], pen=solid, name="train")
        plot.plot(x, [getattr(p, test) for p in points], pen=dashed, name="test")
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    canvas.grab().save(buffer, "PNG")
    canvas.deleteLater()
    # Delete it now: left for later, it could outlive a command-line QApplication and
    # crash the interpreter on exit.
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    return bytes(buffer.data())
