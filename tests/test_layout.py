"""The studio at 1024x700: every tab and state fits, and nothing widens the window (a long
run name in the confusion caption once pushed it to 1474 px, a drawing to 704 px high)."""

import pyqtgraph as pg

from app.selftest import SEVEN, stroke
from on_screen import cut_tick_labels, tick_labels
from test_gui import PRESETS, start, wait_until_done

LONG = "fine-tune: Bundled best: 99.1%, deskewed gradient features, taught on my own digits"


def test_every_tab_and_state_fits_1024_by_700(qtbot, studio):
    studio.resize(1024, 700)
    run = start(qtbot, studio, PRESETS["seed-minibatch100"])
    wait_until_done(qtbot, studio)
    studio.controller.rename(run, LONG)
    studio.runs.selectRow(0)
    seen = []

    def fits(state):
        qtbot.wait(50)  # (laid out)
        hint = studio.minimumSizeHint()
        seen.append((state, studio.width(), studio.height(), hint.width(), hint.height()))
        assert studio.width() == 1024 and studio.height() == 700, seen[-1]
        assert hint.width() <= 1024 and hint.height() <= 700, seen[-1]
        for plot in studio.findChildren(pg.PlotWidget):  # and no tick label is cut off
            if plot.isVisible():
                assert cut_tick_labels(plot) == [], (state, plot.objectName())

    fits("train, a long-named run")
    # The samples axis ends at its last tick: pyqtgraph hid the label that passed the end.
    for plot in (studio.plots.loss_plot, studio.plots.accuracy_plot):
        assert "60k" in tick_labels(plot.getAxis("bottom")), plot.objectName()
    insights = studio.insights
    studio.tabs.setCurrentWidget(insights)
    for i in range(insights.views.count()):
        insights.views.setCurrentIndex(i)
        if insights.views.currentWidget() is insights.confusion:
            qtbot.waitUntil(lambda: LONG in insights.confusion.caption.text(), timeout=30_000)
            insights.confusion.table.cellClicked.emit(4, 9)  # its gallery
            qtbot.waitUntil(lambda: not insights.confusion.busy and insights.confusion.gallery.count() > 0,
                            timeout=30_000)
        fits(f"inside the model: {insights.views.tabText(i)}")
    studio.tabs.setCurrentWidget(studio.step_view)
    studio.step_view.reset()
    studio.step_view.take(1)
    qtbot.waitUntil(lambda: studio.step_view.record is not None and not studio.step_view.busy, timeout=60_000)
    fits("a step")
    studio.tabs.setCurrentWidget(studio.draw)
    studio.draw.choose_run(run)
    stroke(studio.draw.canvas, SEVEN)
    qtbot.waitUntil(lambda: studio.draw.view.probabilities is not None, timeout=30_000)
    fits("a drawing, read by the long-named run")
    studio.tabs.setCurrentWidget(studio.history)
    fits("history")


AT_SCALE_2 = """
import json, sys, time
from pathlib import Path
import pyqtgraph as pg
from PySide6.QtCore import QEventLoop, QSettings
from PySide6.QtWidgets import QApplication
from app.gui import build_window
from compute.settings import PRESETS
from on_screen import cut_tick_labels

data, folder = sys.argv[1], Path(sys.argv[2])
app = QApplication(sys.argv[:1])
window = build_window(data, store=QSettings(str(folder / "prefs.ini"), QSettings.Format.IniFormat),
                      history=folder / "history")
window.resize(1024, 700)
window.show()

def wait(condition):
    end = time.monotonic() + 120
    while not condition():
        assert time.monotonic() < end, "timed out"
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)

wait(lambda: window.controller.data is not None)
window.controls.set_settings(PRESETS["seed-minibatch100"])
window.start_run()
wait(lambda: window.runs.model().rowCount() and not window.controller.busy)
window.plots.flush()
for _ in range(20):
    app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)
cut = [(plot.objectName(), text) for plot in window.findChildren(pg.PlotWidget) if plot.isVisible()
       for text, _ in cut_tick_labels(plot)]
print(json.dumps({"ratio": window.devicePixelRatio(), "cut": cut}))
window.close()
"""


def test_no_tick_label_is_cut_at_a_scale_factor_of_2(mnist_dir, tmp_path):
    """At QT_SCALE_FACTOR=2 (a HiDPI screen) the loss plot's top tick label was clipped."""
    import json
    import os
    import subprocess
    import sys
    from pathlib import Path

    env = {**os.environ, "QT_SCALE_FACTOR": "2", "QT_QPA_PLATFORM": "offscreen",
           "PYTHONPATH": os.pathsep.join([str(Path(__file__).parent), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, "-c", AT_SCALE_2, str(mnist_dir), str(tmp_path)], env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen == {"ratio": 2.0, "cut": []}
