"""One paint per change: a plot's views settle their ranges before its scene paints.

pyqtgraph computes a view's auto-range while painting (``GraphicsScene.prepareForPaint``).
A change that moves the range (new points, a resize) therefore changed the scene again
in the middle of its paint, and Qt painted the plot a second time at once: every refresh
of the sweep's plot cost two paints of 6-14 ms each. The scene's dirty items are
processed in a queued call, and the window paints in it; running ``prepareForPaint``
just before that call lets the paint find nothing more to change.
"""

from PySide6.QtCore import QEvent, QObject


class SettleFirst(QObject):
    """An event filter on a pyqtgraph scene, its child (it goes with the scene). It reads
    only the queued calls (``MetaCall``), which are never delivered while the scene is torn
    down: posted events die with their receiver."""

    def eventFilter(self, scene, event):
        if event.type() == QEvent.Type.MetaCall:
            scene.prepareForPaint()
        return False


def settle_before_paint(plot):
    """Install :class:`SettleFirst` on ``plot``'s scene."""
    scene = plot.scene()
    scene.installEventFilter(SettleFirst(scene))
