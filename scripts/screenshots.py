"""Take the README's screenshots: the real application in a real X window.

Run under Xvfb (``xvfb-run -s "-screen 0 1400x900x24" python scripts/screenshots.py DATA OUT``).
It starts three runs one after another (the course's comparison of full-batch GD,
batch-1 SGD and mini-batch SGD), waits for each, and saves the window as PNG; then the
other tabs, and a sweep of 8 learning rates.
"""

import os
import sys
import tempfile
from pathlib import Path

# My digits taught here go to a throwaway user data folder, not the real user's.
os.environ["XDG_DATA_HOME"] = tempfile.mkdtemp(prefix="softmax-lab-screenshots-")

from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import QApplication

from compute.settings import PRESETS, Settings
from app.gui import build_window
from compute.engine.sweep import parse_values

import dataclasses

# The course's batch-1 and mini-batch runs, and Adam, over one pass with a point every
# 5,000 samples, so the three overlay on one samples axis.
RUNS = [PRESETS["seed-sgd1"], PRESETS["seed-minibatch100"],
        dataclasses.replace(PRESETS["best"], epochs=1, eval_every=5000)]


#: The README's sweep: 8 learning rates over 3 epochs of the course's mini-batch run.
SWEEP = "1e-3:1:8"

#: A one with a long flag and no base: the bundled pixel model reads it as a 9.
FLAGGED_ONE = [(0.3, 0.35), (0.55, 0.15), (0.55, 0.85)]

TWO = [(0.3, 0.32), (0.42, 0.2), (0.6, 0.2), (0.7, 0.32), (0.65, 0.5), (0.45, 0.68),
       (0.3, 0.82), (0.75, 0.8)]


def draw(canvas, points):
    """Drag the mouse through ``points`` (fractions of the canvas side) with the button held."""
    from PySide6.QtCore import QEvent, QPointF, Qt
    from PySide6.QtGui import QMouseEvent

    side = min(canvas.width(), canvas.height())
    path = [QPointF(x * side, y * side) for x, y in points]
    steps = [path[0]] + [a + (b - a) * (t / 8) for a, b in zip(path, path[1:]) for t in range(1, 9)]
    for i, point in enumerate(steps):
        kind = (QEvent.Type.MouseButtonPress if i == 0 else
                QEvent.Type.MouseButtonRelease if i == len(steps) - 1 else QEvent.Type.MouseMove)
        held = Qt.MouseButton.NoButton if kind == QEvent.Type.MouseButtonRelease else Qt.MouseButton.LeftButton
        QApplication.sendEvent(canvas, QMouseEvent(kind, point, point, Qt.MouseButton.LeftButton, held,
                                                   Qt.KeyboardModifier.NoModifier))


def main(data_folder, out_folder):
    out = Path(out_folder)
    out.mkdir(parents=True, exist_ok=True)
    app = QApplication(sys.argv[:1])
    store = QSettings(str(out / "screenshots.ini"), QSettings.Format.IniFormat)
    # A history of the pictures' own, beside them: the user's is left alone.
    window = build_window(data_folder, store=store, history=Path(tempfile.mkdtemp(prefix="history-")))
    window.resize(1360, 860)
    window.show()
    queue = list(RUNS)

    def next_step():
        if window.controller.data is None or window.controller.busy:
            QTimer.singleShot(200, next_step)
            return
        if queue:
            window.controls.set_settings(queue.pop(0))
            window.start_run()
            QTimer.singleShot(200, next_step)
            return
        window.plots.flush()
        app.processEvents()
        window.grab().save(str(out / "three-runs.png"))
        window.runs.selectRow(1)
        window.tabs.setCurrentWidget(window.insights)
        QTimer.singleShot(600, insights)

    def insights():
        window.grab().save(str(out / "weights.png"))
        window.insights.views.setCurrentWidget(window.insights.confusion)
        QTimer.singleShot(1500, confusion)

    def confusion():
        window.insights.confusion.table.cellClicked.emit(4, 9)
        QTimer.singleShot(1500, cost)

    def cost():
        window.grab().save(str(out / "confusion.png"))
        window.insights.views.setCurrentWidget(window.insights.cost)
        QTimer.singleShot(600, drawing)

    def drawing():
        window.grab().save(str(out / "cost.png"))
        window.tabs.setCurrentWidget(window.draw)
        app.processEvents()
        draw(window.draw.canvas, TWO)
        QTimer.singleShot(800, sweep)

    def sweep():
        window.grab().save(str(out / "draw.png"))
        window.tabs.setCurrentWidget(window.pages)
        base = dataclasses.replace(PRESETS["seed-minibatch100"], epochs=3)
        window.controls.set_settings(base)
        window.controller.start_sweep(base, "learning_rate", parse_values("learning_rate", SWEEP))
        QTimer.singleShot(500, finish)

    def finish():
        if window.controller.busy:
            QTimer.singleShot(200, finish)
            return
        window.plots.flush()
        app.processEvents()
        window.grab().save(str(out / "sweep.png"))
        # Teaching: a one with a long flag, which the bundled pixel model reads as a 9,
        # taught as a 1 three times, then a fine-tune.
        window.tabs.setCurrentWidget(window.draw)
        window.draw.model_box.setCurrentIndex(window.draw.model_box.findData("bundled:pixels"))
        window.draw.canvas.clear()
        app.processEvents()
        draw(window.draw.canvas, FLAGGED_ONE)
        QTimer.singleShot(1500, teach)

    def teach():
        window.grab().save(str(out / "misread.png"))
        window.draw.teach_label.setCurrentIndex(1)
        for _ in range(3):
            window.draw.teach()
        window.controller.fineTuned.connect(lambda *_: QTimer.singleShot(1500, taught))
        QTimer.singleShot(1500, window.draw.fine_tune)

    def taught():
        window.grab().save(str(out / "teach.png"))
        # One Adam step of batch 16 on a copy of the mini-batch run.
        window.runs.selectRow(1)
        window.tabs.setCurrentWidget(window.step_view)
        window.controls.set_settings(Settings(optimizer="adam", batch_size=16, learning_rate=0.01))
        window.step_view.reset()
        window.step_view.take(1)
        QTimer.singleShot(3000, stepped)

    def stepped():
        window.grab().save(str(out / "step.png"))
        # Past the pixel ceiling: the best-features preset, its strokes, a step of it.
        window.tabs.setCurrentWidget(window.pages)
        window.controls.set_settings(PRESETS["best-features"])
        window.start_run()
        QTimer.singleShot(500, features)

    def features():
        if window.controller.busy:
            QTimer.singleShot(200, features)
            return
        window.runs.selectRow(window.runs.rowCount() - 1)
        window.tabs.setCurrentWidget(window.insights)
        window.insights.views.setCurrentWidget(window.insights.weights)
        QTimer.singleShot(1500, features_step)

    def features_step():
        window.grab().save(str(out / "strokes.png"))
        window.tabs.setCurrentWidget(window.step_view)
        window.controls.set_settings(dataclasses.replace(PRESETS["best-features"], batch_size=16))
        window.step_view.reset()
        window.step_view.take(1)
        QTimer.singleShot(3000, features_stepped)

    def features_stepped():
        window.grab().save(str(out / "step-features.png"))
        # The History tab: every run above, a note on one, filtered to the sweep's.
        window.tabs.setCurrentWidget(window.history)
        QTimer.singleShot(1500, history)

    def history():
        view = window.history
        best = next(r for r in window.controller.runs if r.settings.optimizer == "adam")
        window.controller.set_notes(window.controller.history_id(best), "the one to beat")
        window.controller.refresh_history()
        view.search.setText("")
        QTimer.singleShot(1500, lambda: (window.grab().save(str(out / "history.png")), window.close()))

    QTimer.singleShot(500, next_step)
    app.exec()


if __name__ == "__main__":
    main(*sys.argv[1:3])
