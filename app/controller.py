"""The run controller: owns the data, the runs, and the worker thread that trains.

The GUI thread only ever calls the methods here and reacts to signals; the engine's
training generator runs in a superqt ``GeneratorWorker`` (a thread-pool thread) and its
progress reaches this object by queued signals. One run trains at a time; asking for a
second while one runs is refused with a message (never mixed).
"""

import json
import threading
import time
from dataclasses import dataclass, field
from itertools import count
from pathlib import Path

from PySide6.QtCore import QObject, QThreadPool, Signal
from superqt.utils import create_worker

from compute._jit import leave_one_core
from compute import data as data_files
from compute import kernels
from compute import download
from compute import metrics, params
from compute.training import Point, Settings, Training, TrainingDiverged

#: Progress reaches the window at most this often (seconds): the GUI thread's work per
#: update must not compete with the worker for the GIL hundreds of times a second.
PROGRESS_SECONDS = 0.1

#: Colours given to runs in turn (colour-blind-friendly "tab10" order).
PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
           "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf")


@dataclass(eq=False)
class Run:
    """One entry of the run list: a training run, or a parameter file that was loaded."""

    id: int
    name: str
    color: str
    settings: Settings
    status: str = "queued"  # queued, running, paused, finished, stopped, diverged, failed, loaded
    points: list = field(default_factory=list)
    samples_seen: int = 0
    total_samples: int = 0
    train_seconds: float = 0.0
    message: str = ""
    training: Training = None
    model: params.Model = None
    source: str = ""
    visible: bool = True

    @property
    def last(self):
        return self.points[-1] if self.points else None

    @property
    def samples_per_second(self):
        return self.samples_seen / self.train_seconds if self.train_seconds > 0 else 0.0

    @property
    def active(self):
        return self.status in ("queued", "running", "paused")

    def current_model(self):
        """The newest parameters (a copy for a training run)."""
        return self.training.model() if self.training is not None else self.model

    def metadata(self):
        return self.training.metadata() if self.training is not None else {"source": self.source}


class RunController(QObject):
    """Data, runs and the training worker, for the GUI (no widgets here).

    Signals
    -------
    dataChanged(object)
        A :class:`compute.data.DataPair` was loaded (or None).
    dataFailed(str)
        Loading data failed; the message is for the user.
    downloadProgress(object), downloadFinished(str), downloadFailed(str)
        A download of MNIST advanced (:class:`compute.download.Progress`), ended in a
        folder (which is then loaded), or failed or was cancelled (a message).
    runAdded(object), runChanged(object), runRemoved(object)
        The run list changed (a run's status, name or visibility).
    pointsAdded(object)
        A run has a new point (cheap: listeners should only mark things for redrawing).
    progress(object)
        The active run advanced (samples seen, seconds, metrics); at most every
        PROGRESS_SECONDS, and once more when it ends.
    busyChanged(bool)
        A run started or ended.
    message(str)
        Something the user should read (refusals, errors, divergence advice).
    """

    downloadProgress = Signal(object)
    downloadFinished = Signal(str)
    downloadFailed = Signal(str)
    dataChanged = Signal(object)
    dataFailed = Signal(str)
    dataLoading = Signal(str)
    runAdded = Signal(object)
    runChanged = Signal(object)
    runRemoved = Signal(object)
    pointsAdded = Signal(object)
    progress = Signal(object)
    busyChanged = Signal(bool)
    message = Signal(str)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.data = None
        self.runs = []
        self._ids = count(1)
        self._worker = None
        self._active = None
        self._loader = None
        self._last_progress = 0.0
        self._download_cancel = None

    # ---------------------------------------------------------------- data

    @property
    def busy(self):
        return self._active is not None

    @property
    def active_run(self):
        """The run that is training (or paused), or None."""
        return self._active

    def load_data(self, folder=None, train=None, test=None):
        """Load data in a worker thread; ``dataChanged`` or ``dataFailed`` follows."""
        if self.busy:
            self.message.emit("Stop the current run before opening other data.")
            return
        label = str(folder or train or "the default data folder")
        self.dataLoading.emit(label)
        worker = create_worker(_load_and_warm, folder, train, test, _start_thread=False, _ignore_errors=True)
        worker.returned.connect(self._data_loaded)
        worker.errored.connect(lambda error: self.dataFailed.emit(_describe(error)))
        worker.finished.connect(lambda: setattr(self, "_loader", None))
        self._loader = worker
        worker.start()

    def download_data(self, folder=None, mirror=None):
        """Download MNIST in a worker thread, then load it."""
        if self._download_cancel is not None:
            return
        cancel = threading.Event()
        self._download_cancel = cancel
        last = [0.0]

        def report(progress):  # runs in the worker thread; Qt queues the signal
            now = time.perf_counter()
            if now - last[0] >= PROGRESS_SECONDS or progress.done == progress.total:
                last[0] = now
                self.downloadProgress.emit(progress)

        worker = create_worker(download.download, folder, mirror, report, cancel.is_set,
                               _start_thread=False, _ignore_errors=True)
        worker.returned.connect(self._downloaded)
        worker.errored.connect(lambda error: self.downloadFailed.emit(_describe(error)))
        worker.finished.connect(lambda: setattr(self, "_download_cancel", None))
        worker.start()

    def save_data(self, folder):
        """Write the open data set as the course's HDF5 files, in a worker thread."""
        worker = create_worker(data_files.save_pair, self.data, folder, _start_thread=False,
                               _ignore_errors=True)
        worker.returned.connect(lambda where: self.message.emit(
            f"Saved {data_files.TRAIN_HDF5} and {data_files.TEST_HDF5} in {where}"))
        worker.errored.connect(lambda error: self.message.emit(_describe(error)))
        worker.start()

    def cancel_download(self):
        if self._download_cancel is not None:
            self._download_cancel.set()

    @property
    def downloading(self):
        return self._download_cancel is not None

    def _downloaded(self, result):
        folder, _ = result
        self.downloadFinished.emit(str(folder))
        self.load_data(folder)

    def _data_loaded(self, pair):
        self.data = pair
        self.dataChanged.emit(pair)

    # ---------------------------------------------------------------- runs

    def start(self, settings, name=None):
        """Start training a new run; returns it, or None when refused (with a message)."""
        if self.busy:
            self.message.emit("A run is already training: stop it first, or wait for it to end.")
            return None
        if self.data is None:
            self.message.emit("Open a data set first (File > Open data folder).")
            return None
        try:
            training = Training(self.data, settings)
        except ValueError as error:
            self.message.emit(str(error))
            return None
        run = self._new_run(settings, name)
        run.training = training
        run.total_samples = training.total_samples
        run.status = "running"
        self._active = run
        self.runs.append(run)
        self.runAdded.emit(run)
        self.busyChanged.emit(True)
        worker = create_worker(_drive, training, _start_thread=False, _ignore_errors=True)
        worker.yielded.connect(self._on_step)
        worker.returned.connect(lambda _: self._end(run, "finished"))
        worker.aborted.connect(lambda: self._end(run, "stopped"))
        worker.errored.connect(lambda error: self._failed(run, error))
        worker.paused.connect(lambda: self._set_status(run, "paused"))
        worker.resumed.connect(lambda: self._set_status(run, "running"))
        self._worker = worker
        worker.start()
        return run

    def pause(self):
        if self._worker is not None and self._active.status == "running":
            self._worker.pause()

    def resume(self):
        if self._worker is not None and self._active.status == "paused":
            self._worker.resume()

    def toggle_pause(self):
        if self._active is None:
            return
        if self._active.status == "paused":
            self.resume()
        else:
            self.pause()

    def stop(self):
        """Ask the active run to stop; it ends at the next yield (within ~20 ms)."""
        if self._worker is not None:
            if self._worker.is_paused:
                self._worker.resume()
            self._worker.quit()

    def shutdown(self, timeout_ms=5000):
        """Stop everything and wait for the worker threads (on window close)."""
        self.stop()
        self.cancel_download()
        if self._loader is not None:
            self._loader.quit()
        QThreadPool.globalInstance().waitForDone(timeout_ms)

    def _on_step(self, step):
        run = self._active
        if run is None:
            return
        samples_seen, train_seconds, point = step
        run.samples_seen = samples_seen
        run.train_seconds = train_seconds
        if point is not None:
            run.points.append(point)
            self.pointsAdded.emit(run)
        now = time.perf_counter()
        if now - self._last_progress >= PROGRESS_SECONDS:
            self._last_progress = now
            self.progress.emit(run)

    def _set_status(self, run, status):
        run.status = status
        self.runChanged.emit(run)

    def _end(self, run, status, message=""):
        if run.status in ("finished", "stopped", "diverged", "failed"):
            return
        run.status = status
        run.message = message
        run.model = run.training.model()
        if self._active is run:
            self._active = None
            self._worker = None
            self.progress.emit(run)
            self.busyChanged.emit(False)
        self.runChanged.emit(run)

    def _failed(self, run, error):
        if isinstance(error, TrainingDiverged):
            self._end(run, "diverged", str(error))
        else:
            self._end(run, "failed", _describe(error))
        self.message.emit(f"{run.name}: {run.message}")

    def _new_run(self, settings, name=None):
        number = next(self._ids)
        color = PALETTE[(number - 1) % len(PALETTE)]
        return Run(number, name or f"Run {number}", color, settings)

    def load_params(self, path):
        """Load a parameter file and evaluate it on the data, in a worker thread.

        The run appears (``runAdded``) when the evaluation is done; a bad file gives a
        ``message`` instead.
        """
        if self.data is None:
            self.message.emit("Open a data set first: parameters are evaluated on its test set.")
            return
        worker = create_worker(_load_and_evaluate, path, self.data, _start_thread=False, _ignore_errors=True)
        worker.returned.connect(lambda loaded: self._add_loaded(path, *loaded))
        worker.errored.connect(lambda error: self.message.emit(_describe(error)))
        worker.start()

    def _add_loaded(self, path, model, settings, point):
        run = self._new_run(settings, name=Path(path).name)
        run.status = "loaded"
        run.model = model
        run.source = str(path)
        run.samples_seen = point.samples_seen
        run.points.append(point)
        self.runs.append(run)
        self.runAdded.emit(run)

    def save_params(self, run, path):
        """Save a run's parameters (course schema, atomic); returns True on success."""
        model = run.current_model()
        if model is None:
            self.message.emit(f"{run.name} has no parameters yet.")
            return False
        try:
            params.save(path, model, run.metadata())
        except data_files.DataError as error:
            self.message.emit(str(error))
            return False
        return True

    def write_report(self, run, folder, curves_png):
        """Write ``run``'s report folder in a worker thread; a ``message`` tells the outcome."""
        from app.report import write_report

        data = self.data
        worker = create_worker(write_report, folder, run.name, run.settings, list(run.points),
                               run.current_model(), run.metadata(), data.test, data.train.n_samples,
                               curves_png, _start_thread=False, _ignore_errors=True)
        worker.returned.connect(lambda where: self.message.emit(f"Report written to {where}"))
        worker.errored.connect(lambda error: self.message.emit(_describe(error)))
        worker.start()

    def rename(self, run, name):
        run.name = name.strip() or run.name
        self.runChanged.emit(run)

    def remove(self, run):
        if run.active:
            self.message.emit(f"{run.name} is training: stop it before deleting it.")
            return
        self.runs.remove(run)
        self.runRemoved.emit(run)

    def set_visible(self, run, visible):
        run.visible = visible
        self.runChanged.emit(run)


class WorkerFailed(Exception):
    """A RuntimeError from the engine, re-raised as something superqt reports.

    superqt's GeneratorWorker takes a RuntimeError from the generator for a deleted Qt
    object and only warns: the run would end silently.
    """


def _drive(training):
    """Worker body: the engine's generator, forwarding (samples, seconds, point)."""
    leave_one_core()  # numba's thread count is per thread: this worker's only
    try:
        for point in training.steps():
            yield training.samples_seen, training.train_seconds, point
    except RuntimeError as error:
        raise WorkerFailed(f"{type(error).__name__}: {error}") from error


def _load_and_warm(folder, train, test):
    """Worker body: load data, then warm this pool thread for training.

    A thread's first parallel kernel call sets up its OpenMP team and numba's per-thread
    state while holding the GIL: done at the start of a run, it froze the GUI for 40-100 ms
    (measured; none on a second run in the same thread). The pool reuses idle threads.
    """
    pair = data_files.load(folder, train, test)
    leave_one_core()
    kernels.warm_up(force=True)
    return pair


def _load_and_evaluate(path, pair):
    """Worker body: read a parameter file and measure it on train and test."""
    model, attributes = params.load(path, n_features=pair.n_features)
    if model.n_classes < pair.n_classes:
        raise data_files.DataError(f"{path}: knows {model.n_classes} classes but the data "
                                   f"has {pair.n_classes}")
    started = time.perf_counter()
    test = metrics.evaluate(model, pair.test)
    train = metrics.evaluate(model, pair.train)
    seconds = time.perf_counter() - started
    try:
        settings = Settings.from_dict(json.loads(attributes["settings"]))
    except (KeyError, TypeError, ValueError):
        settings = Settings()
    samples = int(attributes.get("samples_seen", 0) or 0)
    updates = int(attributes.get("updates", 0) or 0)
    point = Point(samples, updates, samples / pair.train.n_samples, train.loss, train.accuracy,
                  test.loss, test.accuracy, settings.learning_rate, 0.0, seconds)
    return model, settings, point


def _describe(error):
    if isinstance(error, MemoryError):
        return "out of memory: try a smaller data set or batch size"
    if isinstance(error, (data_files.DataError, ValueError, OSError, WorkerFailed)):
        return str(error)
    return f"{type(error).__name__}: {error}"
