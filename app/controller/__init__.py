"""The run controller: owns the data, the runs, and the worker thread that trains.

It knows no widget. ``app.gui`` connects it to the window: the window's requests call
the methods here, and the signals here update the window. The engine's training
generator runs in a pool thread; at each of its yields the worker publishes an
immutable :class:`compute.engine.points.Snapshot`, which reaches this object by a queued
signal. One run trains at a time; asking for a second while one runs is refused with a
message (never mixed). Every background job, the window's own included, goes through
:func:`.jobs.run_in_background`, so its errors reach the user.

``app.gui.wire`` connects it to any :class:`ui.view.StudioView` by the view protocol's
tables: each request calls the method here of that name, each signal here a view method.

One module a concern: this one holds the runs (and :func:`drive`, a run's worker body);
:mod:`.sweeps` the sweeps; :mod:`.data` opening and downloading data; :mod:`.files` every
file the studio writes and My digits; :mod:`.workers` the bodies of the other background
jobs; :mod:`.jobs` the one way to start them.
"""

from dataclasses import asdict, replace
from itertools import count
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal
from superqt.utils import qthrottled

from app.cores import CoresBesideGui
from compute.engine.inputs import PIXELS
from compute.engine.runs import PALETTE, Run, RunStatus, course_runs
from compute.engine.training import Training, TrainingDiverged
from compute.settings import COURSE_EXPERIMENTS, preset

from .data import DataConcern
from .files import FilesConcern
from .history import HistoryConcern
from .jobs import run_in_background, wait_for_jobs
from .sweeps import SweepConcern
from .workers import (FINE_TUNE, PROGRESS_MS, WorkerFailed, accuracy_on, describe,
                      load_and_evaluate, prepare_fine_tune)


def drive(training):
    """Worker body: the engine's generator, publishing a snapshot at each of its yields."""
    cores = CoresBesideGui()
    try:
        for _ in training.steps():
            cores.update()
            yield training.snapshot()
    except RuntimeError as error:
        raise WorkerFailed(f"{type(error).__name__}: {error}") from error


class RunController(DataConcern, FilesConcern, SweepConcern, HistoryConcern, QObject):
    """Data, runs and the training worker, for the GUI (no widgets here).

    Signals
    -------
    dataLoading(str)
        Loading of the named data began.
    dataChanged(object)
        A :class:`compute.storage.data.DataPair` was loaded.
    dataFailed(str)
        Loading data failed; the message is for the user.
    preparing(bool)
        The kernels the loaded data needs are being compiled (True; on a first start this
        takes seconds, and a run started meanwhile waits for them), or are ready (False).
    downloadProgress(object), downloadFinished(str), downloadFailed(str)
        A download of MNIST advanced (:class:`compute.storage.download.Progress`), ended in a
        folder (which is then loaded), or failed or was cancelled (a message).
    runAdded(object), runChanged(object), runRemoved(object)
        The run list changed (a run's status, name or visibility).
    pointsAdded(object)
        A run has a new point (cheap: listeners should only mark things for redrawing).
    progress(object)
        The active run advanced; at most every PROGRESS_MS, and once more when it ends.
    busyChanged(bool)
        A run started or ended.
    fineTuned(object, float, float, float, float)
        A fine-tune run finished: the run, its accuracy on My digits before and after, and
        on the test set before and after.
    sweepAdded(object), sweepChanged(object)
        A sweep (:class:`compute.engine.runs.SweepGroup`) began (its runs were added just before),
        or its members have new points or ended.
    fileWritten(str)
        A file or folder the user asked for was written (its path).
    historyChanged(object)
        What the History view shows (:class:`app.controller.history.HistoryListing`).
    statusMessage(str)
        A passing note for the status bar (a run moved to the trash, say).
    myDigitsChanged(object), myDigitsFailed(str)
        My digits (:class:`compute.storage.my_digits.MyDigits`) as they are after a load, an
        addition, an import or a clear; or why one of those failed.
    message(str)
        Something the user should read (refusals, errors, divergence advice).
    notice(str)
        Good news the user should read (the course's experiments are done).
    """

    dataLoading = Signal(str)
    dataChanged = Signal(object)
    dataFailed = Signal(str)
    preparing = Signal(bool)
    downloadProgress = Signal(object)
    downloadFinished = Signal(str)
    downloadFailed = Signal(str)
    runAdded = Signal(object)
    runChanged = Signal(object)
    runRemoved = Signal(object)
    pointsAdded = Signal(object)
    progress = Signal(object)
    busyChanged = Signal(bool)
    sweepAdded = Signal(object)
    sweepChanged = Signal(object)
    fineTuned = Signal(object, float, float, float, float)
    fileWritten = Signal(str)
    myDigitsChanged = Signal(object)
    myDigitsFailed = Signal(str)
    message = Signal(str)
    notice = Signal(str)
    statusMessage = Signal(str)
    historyChanged = Signal(object)
    _historyProblem = Signal(str)  # from the recorder's thread
    _downloadTick = Signal(object)  # from the download's thread, throttled here

    def __init__(self, parent=None, history=None):
        """``history``: the run history's folder (None: the default; False: record nothing)."""
        super().__init__(parent)
        self.data = None
        self.runs = []
        self._ids = count(1)
        self._queue = []  # (settings, name) of runs to start when the active one finishes
        self._worker = None
        self._active = None
        self._loader = None
        self._throttled_progress = qthrottled(self.progress.emit, timeout=PROGRESS_MS, parent=self)
        self._download_cancel = None
        self._downloadTick.connect(qthrottled(self.downloadProgress.emit, timeout=PROGRESS_MS, parent=self))
        self._sweeps = count(1)
        self._when_finished = {}  # run -> what to do once it has finished
        self._sweep = None  # the SweepGroup training, if any
        self._open_history(history)

    def _tell(self, error):
        self.message.emit(describe(error))

    # ---------------------------------------------------------------- data

    @property
    def busy(self):
        return self._active is not None

    @property
    def active_run(self):
        """The run that is training (or paused), or None."""
        return self._active

    # ---------------------------------------------------------------- runs

    def start(self, settings, name=None, model=None, data=None, parent=None, parent_kind=""):
        """Start training a new run (from ``model``'s parameters when given, else from the
        settings' initialisation; on ``data`` when given, else the open data); returns it,
        or None when refused (with a message). ``parent`` is the run it continues or
        fine-tunes (``parent_kind``), for the history."""
        if self._refused():
            return None
        try:
            training = Training(data or self.data, settings, model=model)
        except ValueError as error:
            self.message.emit(str(error))
            return None
        run = self._new_run(settings, name)
        run.publish(training.snapshot())
        run.status = RunStatus.RUNNING
        self._active = run
        self.runs.append(run)
        self.runAdded.emit(run)
        self._record(run, parent=self.history_id(parent) if parent is not None else None,
                     parent_kind=parent_kind, data=data)
        self.busyChanged.emit(True)
        self._worker = run_in_background(
            drive, training, start=False,
            on_yield=lambda snapshot: self._on_snapshot(run, snapshot),
            on_result=lambda _: self._end(run, RunStatus.FINISHED),
            on_error=lambda error: self._failed(run, error))
        self._worker.aborted.connect(lambda: self._end(run, RunStatus.STOPPED))
        self._worker.paused.connect(lambda: self._set_status(run, RunStatus.PAUSED))
        self._worker.resumed.connect(lambda: self._set_status(run, RunStatus.RUNNING))
        self._worker.start()
        return run

    def continue_run(self, run, settings):
        """Train on from ``run``'s newest parameters (a finished, stopped or loaded run) with
        ``settings``, as a new run; returns it, or None when refused."""
        if run.model is None:
            self.message.emit(f"{run.name} has no parameters yet.")
            return None
        return self.start(settings, name=f"{run.name} + {settings.short_name()}", model=run.model,
                          parent=run, parent_kind="continued")

    def fine_tune(self, model, name, inputs=PIXELS):
        """Train ``model``, which reads ``inputs`` of an image, on My digits mixed with the
        open data's training set, as a new run "fine-tune: ``name``"; when it ends,
        ``fineTuned`` tells its accuracy on My digits and on the test set, before and after."""
        if self._refused():
            return
        parent = next((run for run in self.runs if run.model is model), None)
        run_in_background(prepare_fine_tune, self.data, model, inputs, on_error=self._tell,
                          on_result=lambda prepared: self._start_fine_tune(model, name, parent, inputs,
                                                                           *prepared))

    def _start_fine_tune(self, model, name, parent, inputs, pair, mine, before):
        settings = replace(FINE_TUNE, **asdict(inputs))
        run = self.start(settings, name=f"fine-tune: {name}", model=model, data=pair, parent=parent,
                         parent_kind="fine-tuned")
        if run is not None:
            self._when_finished[run] = lambda: run_in_background(
                accuracy_on, run.evaluated.model, mine, inputs, on_error=self._tell,
                on_result=lambda after: self.fineTuned.emit(
                    run, before, after, run.points[0].test_accuracy, run.last.test_accuracy))

    def _refused(self):
        """Whether a run cannot start now; if so, the user is told why."""
        if self.busy:
            self.message.emit("A run is already training: stop it first, or wait for it to end.")
        elif self.data is None:
            self.message.emit("Open a data set first (File > Open data folder).")
        else:
            return False
        return True

    def run_course_experiments(self):
        """Train the course's four experiments one after the other (Stop ends the queue)."""
        if self._refused():
            return
        self._queue = [(preset(name), name) for name in COURSE_EXPERIMENTS]
        self._start_queued()

    def _start_queued(self):
        settings, name = self._queue.pop(0)
        if self.start(settings, name) is None:
            self._queue.clear()

    def pause(self):
        if self._worker is not None and self._active.status == RunStatus.RUNNING:
            self._worker.pause()

    def resume(self):
        if self._worker is not None and self._active.status == RunStatus.PAUSED:
            self._worker.resume()

    def toggle_pause(self):
        if self._active is None:
            return
        if self._active.status == RunStatus.PAUSED:
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
        self.stop_following()
        self.stop()
        self.cancel_download()
        if self._loader is not None:
            self._loader.quit()
        wait_for_jobs(timeout_ms)
        self.close_history()

    def _on_snapshot(self, run, snapshot):
        if run is not self._active:
            return
        if run.publish(snapshot):
            self._record_points(run)
            self.pointsAdded.emit(run)
        self._throttled_progress(run)

    def _set_status(self, run, status):
        run.status = status
        self._history_call(run, "set_status", str(status))
        self.runChanged.emit(run)

    def _end(self, run, status, message=""):
        if run.status.ended:
            return
        run.status = status
        run.message = message
        if status == RunStatus.STOPPED and run.evaluated is not None:
            # Its figures are its last point's, and so are its parameters from now on, in
            # every view and file (the few updates after that point were never measured).
            run.latest = run.evaluated
        self._record_end(run)
        then = self._when_finished.pop(run, None)
        if then is not None and status == RunStatus.FINISHED:
            then()
        if self._active is run:
            self._active = None
            self._worker = None
            self._throttled_progress.cancel()
            self.progress.emit(run)
            self.busyChanged.emit(False)
        self.runChanged.emit(run)
        if self._queue and status == RunStatus.FINISHED:
            QTimer.singleShot(0, self._start_queued)
        elif self._queue:
            self._queue.clear()
            self.message.emit(f"{run.name} {status}: the rest of the course's experiments are not run.")
        elif status == RunStatus.FINISHED and run in dict(course_runs(self.runs) or ()).values():
            # (this run completes the four, or is a newer one of them)
            self.notice.emit("The course's experiments are done: File > Export assignment report… "
                              "writes their report (derivation, curves, results, costs).")

    def _failed(self, run, error):
        if isinstance(error, TrainingDiverged):
            self._end(run, RunStatus.DIVERGED, str(error))
        else:
            self._end(run, RunStatus.FAILED, describe(error))
        self.message.emit(f"{run.name}: {run.message}")

    def _new_run(self, settings, name=None):
        """A run with the next colour, named ``name`` or after what it runs ("best",
        "adam lr 0.003 b100"); a name already in the list gets " (2)", " (3)", ..."""
        number = next(self._ids)
        color = self._colour(number)
        base = name or settings.short_name()
        taken = {run.name for run in self.runs}
        unique = base
        for copy in count(2):
            if unique not in taken:
                break
            unique = f"{base} ({copy})"
        return Run(number, unique, color, settings)

    @staticmethod
    def _colour(number):
        return PALETTE[(number - 1) % len(PALETTE)]

    def load_params(self, path):
        """Load a parameter file and evaluate it on the data, in a worker thread.

        The run appears (``runAdded``) when the evaluation is done; a bad file gives a
        ``message`` instead.
        """
        if self.data is None:
            self.message.emit("Open a data set first: parameters are evaluated on its test set.")
            return
        run_in_background(load_and_evaluate, path, self.data, on_error=self._tell,
                          on_result=lambda snapshot: self._add_loaded(path, snapshot))

    def _add_loaded(self, path, snapshot):
        run = self._new_run(snapshot.settings, name=Path(path).name)
        run.status = RunStatus.LOADED
        run.source = str(path)
        run.publish(snapshot)
        self.runs.append(run)
        self.runAdded.emit(run)
        self._record_loaded(run, snapshot)

    def set_visible(self, run, visible):
        run.visible = visible
        self.runChanged.emit(run)

    # ---------------------------------------------------------------- files









