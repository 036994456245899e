"""Measure the run history as users meet it (a benchmark, not a test).

1. What recording costs a run: ``seed-minibatch100`` trained as ``softmax-lab train``
   trains it, with and without recording, alternately; medians of the wall time of the
   whole training loop.
2. A history of 10,000 runs: how long the History tab takes to open (read every run
   in its worker, then show them) and to filter (by text, optimizer, data set).

Usage: python scripts/measure_history.py [--data DIR] [--repeats N] [--runs N]
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path


def train_once(pair, settings, history_folder):
    from compute.engine.recording import Recorder, RunRecording
    from compute.engine.training import Training

    recorder = Recorder(history_folder) if history_folder else None
    recording = RunRecording(recorder, "measure", settings, "train", pair) if recorder else None
    training = Training(pair, settings)
    started = time.perf_counter()
    for _ in training.steps():
        if recording:
            recording.sync(training)
    seconds = time.perf_counter() - started
    if recorder:
        recording.end(training, "finished")
        recorder.close()
    return seconds


def recording_cost(pair, repeats):
    from compute.settings import PRESETS

    settings = PRESETS["seed-minibatch100"]
    train_once(pair, settings, None)  # compile and warm
    plain, recorded = [], []
    with tempfile.TemporaryDirectory() as folder:
        for i in range(repeats):
            plain.append(train_once(pair, settings, None))
            recorded.append(train_once(pair, settings, Path(folder) / f"h{i}"))
    a, b = statistics.median(plain), statistics.median(recorded)
    print(f"seed-minibatch100, whole training loop: {a:.3f} s without recording, {b:.3f} s with "
          f"(medians of {repeats}): {100 * (b / a - 1):+.1f}%")


def big_history(folder, runs, pair):
    from compute.engine.points import Point
    from compute.settings import PRESETS, Settings
    from compute.storage.history import History

    optimizers = ["sgd", "momentum", "adam", "rmsprop"]
    with History(folder) as history:
        for i in range(runs):
            settings = Settings(**{**PRESETS["seed-minibatch100"].as_dict(), "optimizer": optimizers[i % 4],
                                   "learning_rate": 0.01 * (1 + i % 50)})
            run = history.begin(f"run {i} {optimizers[i % 4]}", settings, "train", pair)
            for k in range(5):
                history.add_point(run, k, Point(k * 15000, k * 150, k / 4, 0.3, 0.9, 0.3, 0.9 + i % 7 / 1000,
                                                settings.learning_rate, k / 10, 0.01))
            history.set_status(run, "finished")


def history_view(folder, repeats):
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from app.controller.history import HistoryListing
    from app.controller.workers import read_history
    from ui.history_view import HistoryView

    app = QApplication.instance() or QApplication([])  # noqa: F841
    view = HistoryView()
    view.resize(1280, 700)
    view.show()
    reads, shows, filters = [], [], []
    for _ in range(repeats):
        started = time.perf_counter()
        records = read_history(folder, False)
        read = time.perf_counter()
        view.show_records(HistoryListing(records, set(), False))
        app.processEvents()
        shown = time.perf_counter()
        reads.append(read - started)
        shows.append(shown - read)
        for text in ("run 12", "adam", ""):
            started = time.perf_counter()
            view.search.setText(text)
            app.processEvents()
            filters.append(time.perf_counter() - started)
        started = time.perf_counter()
        view.optimizer_box.setCurrentText("adam")
        app.processEvents()
        filters.append(time.perf_counter() - started)
        view.optimizer_box.setCurrentIndex(0)
    print(f"History tab with {len(records):,} runs: read {statistics.median(reads):.3f} s + shown "
          f"{statistics.median(shows):.3f} s = opened in {statistics.median(reads) + statistics.median(shows):.3f} s; "
          f"a filter {1000 * statistics.median(filters):.0f} ms (median), {1000 * max(filters):.0f} ms at most")
    view.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", help="MNIST folder (default: as for train)")
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--runs", type=int, default=10_000)
    args = parser.parse_args()
    from compute.storage import data

    pair = data.load(args.data)
    recording_cost(pair, args.repeats)
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        big_history(folder, args.runs, pair)
        print(f"(a history of {args.runs:,} runs written in {time.perf_counter() - started:.1f} s)",
              file=sys.stderr)
        history_view(folder, max(3, args.repeats // 2))


if __name__ == "__main__":
    main()
