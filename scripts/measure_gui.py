"""Measure the studio while it trains: event-loop gaps and throughput against headless.

    python scripts/measure_gui.py DATA_DIR [--epochs 10] [--eval-every 5000] [--busy 2] [--size 1024x700]
                                           [--sweep 1e-3:1:8] [--gui-first] [--runs 50] [--theme dark]

Runs the same settings headless (the engine alone, in this process) and in the real
window (offscreen unless DISPLAY is set), and prints: the longest gap between two ticks
of a 5 ms timer in the GUI thread while training, the median gap, the most CPU the GUI
thread spent within one gap (an upper bound on its longest event: goal 16 ms), and the
training samples/s of both, with their ratio (target: no gap over 50 ms, 100 ms with two
busy programs beside; GUI >= 85% of headless). ``--runs N`` first trains N short runs,
so the plots, legend and run list hold them while the measured run trains.
``--busy N`` runs N CPU-bound processes beside it all the while (a desktop where other
programs are busy too; the script starts them and stops them by their process ids).
"""

import argparse
import dataclasses
import os
import statistics
import subprocess
import sys
import tempfile
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from compute.storage import data  # noqa: E402
from compute.engine.sweep import Sweep, parse_values  # noqa: E402
from compute.engine.training import Training  # noqa: E402
from compute.settings import PRESETS


#: Where the window's settings go: a throwaway file. Not os.devnull: QSettings saves by
#: renaming a new file over the old one, which (as root) replaced /dev/null itself.
SETTINGS_FILE = os.path.join(tempfile.mkdtemp(prefix="softmax-lab-measure-"), "settings.ini")


def _timed_application():
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QGraphicsScene

    class TimedApplication(QApplication):
        """Times every event the GUI thread handles, outermost only: (CPU ms, type, receiver)."""

        def __init__(self, argv):
            super().__init__(argv)
            self.timed, self._depth = [], 0

        def notify(self, receiver, event):
            outermost = self._depth == 0
            if outermost:  # (named before: the receiver may be gone after)
                kind, name = event.type().name, type(receiver).__name__
                name += f":{receiver.objectName()}" if receiver.objectName() else ""
                holder = receiver.parent() if isinstance(receiver, (QTimer, QGraphicsScene)) else None
                if holder is not None:  # (which timer, which plot)
                    name += f" in {type(holder).__name__}" + (f":{holder.objectName()}" if holder.objectName() else "")
            self._depth += 1
            started = time.thread_time()
            try:
                return super().notify(receiver, event)
            finally:
                self._depth -= 1
                if outermost:
                    self.timed.append(((time.thread_time() - started) * 1e3, kind, name))

    return TimedApplication


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("data")
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--eval-every", type=int, default=5000)
    parser.add_argument("--preset", default="seed-minibatch100")
    parser.add_argument("--views", action="store_true",
                        help="watch the run in the Inside-the-model tab (weights) while it trains")
    parser.add_argument("--size", metavar="WxH", help="window size, e.g. 1024x700")
    parser.add_argument("--busy", type=int, default=0, metavar="N",
                        help="run N CPU-bound processes beside the measurement")
    parser.add_argument("--sweep", metavar="VALUES",
                        help="train a sweep of these learning rates (e.g. 1e-3:1:8) instead of one run")
    parser.add_argument("--runs", type=int, default=0, metavar="N",
                        help="first train N short runs (not measured): the plots hold them all")
    parser.add_argument("--events", action="store_true",
                        help="also time each event the GUI thread handles (its CPU time; the "
                             "timing itself slows the window a little)")
    parser.add_argument("--theme", choices=("system", "light", "dark"), help="View > Theme")
    parser.add_argument("--gui-first", action="store_true",
                        help="train in the window before headless (with an empty NUMBA_CACHE_DIR, "
                             "the window meets the first compile)")
    args = parser.parse_args()
    hogs = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(args.busy)]
    try:
        measure(args)
    finally:
        for hog in hogs:
            hog.kill()
            hog.wait()
    if hogs:
        print(f"with {len(hogs)} CPU-bound processes running (pids {', '.join(str(h.pid) for h in hogs)})")


def measure(args):
    settings = dataclasses.replace(PRESETS[args.preset], epochs=args.epochs,
                                   eval_every=args.eval_every)

    pair = data.load_folder(args.data)
    rates = parse_values("learning_rate", args.sweep) if args.sweep else None

    def headless():
        if rates:
            sweep = Sweep(pair, [dataclasses.replace(settings, learning_rate=r) for r in rates])
            started = time.perf_counter()
            sweep.run()
            return sweep.samples_seen / sweep.train_seconds, time.perf_counter() - started
        training = Training(pair, settings)
        training.run()
        return training.samples_seen / training.train_seconds, training.train_seconds + training.eval_seconds

    if not args.gui_first:
        headless_rate, headless_wall = headless()
    from PySide6.QtCore import QSettings, QTimer
    from PySide6.QtWidgets import QApplication

    from app.gui import build_window, configure_process

    configure_process()
    TimedApplication = _timed_application()
    app = (TimedApplication if args.events else QApplication)(sys.argv[:1])
    store = QSettings(SETTINGS_FILE, QSettings.Format.IniFormat)
    window = build_window(args.data, store=store, history=False)  # (the runs it trains only)
    if args.size:
        window.resize(*map(int, args.size.split("x")))
    window.show()
    if args.theme:
        window.choose_theme(args.theme)
    earlier = [dataclasses.replace(PRESETS["seed-minibatch100"], learning_rate=0.05 + 0.01 * i, eval_every=10000)
               for i in range(args.runs)]
    ticks = []
    timer = QTimer(interval=5)
    cpu = []  # the GUI thread's own CPU time at each tick: was a gap work, or waiting?
    timer.timeout.connect(lambda: (ticks.append(time.perf_counter()), cpu.append(time.thread_time())))
    state = {}

    def begin():
        if window.controller.data is None:
            QTimer.singleShot(100, begin)
            return
        if window.controller.busy:
            QTimer.singleShot(50, begin)
            return
        if earlier:  # the runs the plots hold before the measured one
            window.controller.start(earlier.pop(0))
            QTimer.singleShot(50, begin)
            return
        if "filled" not in state:
            # As a user does: settings first (their repaint is not the run's), then Start.
            window.controls.set_settings(settings)
            state["filled"] = True
            QTimer.singleShot(300, begin)
            return
        ticks.clear()
        cpu.clear()
        timer.start()
        if args.events:
            app.timed.clear()
        if rates:
            state["run"] = window.controller.start_sweep(settings, "learning_rate", rates).runs[0]
        else:
            state["run"] = window.controller.start(settings)
        if args.views:
            window.runs.selectRow(0)
            window.tabs.setCurrentWidget(window.insights)
        state["started"] = time.perf_counter()
        window.controller.busyChanged.connect(lambda busy: busy or finish())

    def finish():
        timer.stop()
        state["wall"] = time.perf_counter() - state["started"]
        state["events"] = len(app.timed) + 1 if args.events else 0  # (+ this one, the run's end)
        # Closed in a turn of its own, after the run's last event: the window's close
        # (10-20 ms: saving its state, stopping its jobs) is not the run's.
        QTimer.singleShot(0, window.close)

    QTimer.singleShot(0, begin)
    app.exec()
    if args.gui_first:
        headless_rate, headless_wall = headless()
    run = state["run"]
    gaps = [(b - a) * 1e3 for a, b in zip(ticks, ticks[1:])]
    gui_rate = run.samples_seen / run.train_seconds
    long_gaps = [(round((ticks[i] - state["started"]) * 1e3), round(g),
                  round((cpu[i + 1] - cpu[i]) * 1e3)) for i, g in enumerate(gaps) if g > 30]
    print(f"gaps over 30 ms (ms after start, length, GUI thread's CPU ms in it): {long_gaps[:12]}")
    print(f"settings: {settings.describe()}, a point every {settings.eval_every} samples")
    busiest = max((b - a) * 1e3 for a, b in zip(cpu, cpu[1:]))
    print(f"GUI thread, 5 ms timer while training: longest gap {max(gaps):.1f} ms, "
          f"median {statistics.median(gaps):.1f} ms, {len(gaps)} ticks, "
          f"busy {100 * (cpu[-1] - cpu[0]) / (ticks[-1] - ticks[0]):.0f}% of the time; "
          f"most GUI-thread CPU in one gap {busiest:.1f} ms"
          + (f", with {args.runs} runs on the plots" if args.runs else ""))
    if args.events:
        slow = sorted(app.timed[:state["events"]], reverse=True)
        print(f"events: {len(slow)}, the longest in GUI-thread CPU ms (event, receiver): "
              f"{[(round(ms, 1), kind, name) for ms, kind, name in slow[:8]]}; "
              f"over 16 ms: {sum(ms > 16 for ms, _, _ in slow)}")
    print(f"training samples/s: headless {headless_rate:,.0f}, in the GUI {gui_rate:,.0f} "
          f"({100 * gui_rate / headless_rate:.0f}% of headless)")
    print(f"wall time incl. evaluation: headless {headless_wall:.2f} s, GUI {state['wall']:.2f} s "
          f"({100 * headless_wall / state['wall']:.0f}%)")


if __name__ == "__main__":
    main()
