"""How long Pause and Stop take to act in the studio, on real MNIST (target: 200 ms).

    python scripts/measure_latency.py DATA_DIR [--repeats 5]

For each repeat it starts a long run, pauses it after a while, resumes it, stops it,
and times each request to the moment the run reports the new state.
"""

import argparse
import dataclasses
import os
import statistics
import sys
import tempfile
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from compute.settings import PRESETS  # noqa: E402


#: Where the window's settings go: a throwaway file. Not os.devnull: QSettings saves by
#: renaming a new file over the old one, which (as root) replaced /dev/null itself.
SETTINGS_FILE = os.path.join(tempfile.mkdtemp(prefix="softmax-lab-measure-"), "settings.ini")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("data")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--preset", default="seed-minibatch100")
    args = parser.parse_args()

    from PySide6.QtCore import QSettings, QTimer
    from PySide6.QtWidgets import QApplication

    from app.gui import build_window, configure_process

    configure_process()
    app = QApplication(sys.argv[:1])
    window = build_window(args.data, store=QSettings(SETTINGS_FILE, QSettings.Format.IniFormat))
    window.show()
    settings = dataclasses.replace(PRESETS[args.preset], epochs=10_000)
    pauses, stops, left = [], [], [args.repeats]
    state = {}

    def wait_for(status, then):
        run = window.controller.active_run or state["run"]
        if run.status == status:
            then(time.perf_counter() - state["asked"])
        else:
            QTimer.singleShot(1, lambda: wait_for(status, then))

    def begin():
        if window.controller.data is None or window.controller.busy:
            QTimer.singleShot(50, begin)
            return
        state["run"] = window.controller.start(settings)
        QTimer.singleShot(700, pause)

    def pause():
        state["asked"] = time.perf_counter()
        window.controller.pause()
        wait_for("paused", paused)

    def paused(seconds):
        pauses.append(seconds)
        window.controller.resume()
        QTimer.singleShot(500, stop)

    def stop():
        state["asked"] = time.perf_counter()
        window.controller.stop()
        wait_for("stopped", stopped)

    def stopped(seconds):
        stops.append(seconds)
        left[0] -= 1
        if left[0]:
            QTimer.singleShot(100, begin)
        else:
            window.close()

    QTimer.singleShot(0, begin)
    app.exec()
    print(f"{settings.describe()}: pause took {1e3 * statistics.median(pauses):.0f} ms median "
          f"(max {1e3 * max(pauses):.0f}), stop {1e3 * statistics.median(stops):.0f} ms median "
          f"(max {1e3 * max(stops):.0f}) over {args.repeats} runs")


if __name__ == "__main__":
    main()
