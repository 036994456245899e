"""The run controller: owns the data, the runs, and the worker thread that trains.

It knows no widget. ``app.gui`` connects it to the window: the window's requests call
the methods here, and the signals here update the window. The engine's training
generator runs in a pool thread; at each of its yields the worker publishes an
immutable :class:`compute.training.Snapshot`, which reaches this object by a queued
signal. One run trains at a time; asking for a second while one runs is refused with a
message (never mixed). Every background job goes through
:func:`ui.background.run_in_background`, so its errors reach the user.
"""

import threading
import time
from dataclasses import dataclass, field
from itertools import count
from pathlib import Path

from PySide6.QtCore import QObject, QThreadPool, QTimer, Signal

from compute import data as data_files
from compute import download, metrics, my_digits, params
from compute.export import write_points_csv
from compute.files import FileWriteError, atomic_write, check_outputs
from compute.sources import TEST_HDF5, TRAIN_HDF5, folder_files
from compute import sweep as sweeps
from compute.runs import PALETTE, Run, RunStatus, SweepGroup, ramp_colour
from compute.settings import COURSE_EXPERIMENTS, SettingsError, preset
from compute.training import Point, Snapshot, Training, TrainingDiverged, frozen_model
from compute.settings import Settings
from compute import threads
from app.cores import CoresBesideGui, leave_one_core
from ui.background import run_in_background

#: Progress reaches the window at most this often (seconds): the GUI thread's work per
#: update must not compete with the worker for the GIL hundreds of times a second.
PROGRESS_SECONDS = 0.1

class RunController(QObject):
    """Data, runs and the training worker, for the GUI (no widgets here).

    Signals
    -------
    dataLoading(str)
        Loading of the named data began.
    dataChanged(object)
        A :class:`compute.data.DataPair` was loaded.
    dataFailed(str)
        Loading data failed; the message is for the user.
    preparing(bool)
        The kernels the loaded data needs are being compiled (True; on a first start this
        takes seconds, and a run started meanwhile waits for them), or are ready (False).
    downloadProgress(object), downloadFinished(str), downloadFailed(str)
        A download of MNIST advanced (:class:`compute.download.Progress`), ended in a
        folder (which is then loaded), or failed or was cancelled (a message).
    runAdded(object), runChanged(object), runRemoved(object)
        The run list changed (a run's status, name or visibility).
    pointsAdded(object)
        A run has a new point (cheap: listeners should only mark things for redrawing).
    progress(object)
        The active run advanced; at most every PROGRESS_SECONDS, and once more when it ends.
    busyChanged(bool)
        A run started or ended.
    fineTuned(object, float, float, float, float)
        A fine-tune run finished: the run, its accuracy on My digits before and after, and
        on the test set before and after.
    sweepAdded(object), sweepChanged(object)
        A sweep (:class:`compute.runs.SweepGroup`) began (its runs were added just before),
        or its members have new points or ended.
    fileWritten(str)
        A file or folder the user asked for was written (its path).
    message(str)
        Something the user should read (refusals, errors, divergence advice).
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
    message = Signal(str)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.data = None
        self.runs = []
        self._ids = count(1)
        self._queue = []  # (settings, name) of runs to start when the active one finishes
        self._worker = None
        self._active = None
        self._loader = None
        self._last_progress = 0.0
        self._download_cancel = None
        self._sweeps = count(1)
        self._when_finished = {}  # run -> what to do once it has finished
        self._sweep = None  # the SweepGroup training, if any

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

    def load_data(self, folder=None, train=None, test=None):
        """Load data in a worker thread; ``dataChanged`` or ``dataFailed`` follows."""
        if self.busy:
            self.message.emit("Stop the current run before opening other data.")
            return
        label = str(folder or train or "the default data folder")
        self.dataLoading.emit(label)
        self._loader = run_in_background(
            data_files.load, folder, train, test, on_result=self._data_loaded,
            on_error=lambda error: self.dataFailed.emit(describe(error)),
            on_finished=lambda: setattr(self, "_loader", None))

    def load_default_data(self):
        """Load the first default data folder that holds data; False when there is none."""
        folder = data_files.find_default_folder()
        if folder is None:
            return False
        self.load_data(folder)
        return True

    def download_data(self, folder=None, mirror=None, dataset="mnist"):
        """Download a data set (``"mnist"``, ``"fashion-mnist"``) in a worker thread, then
        load it."""
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

        run_in_background(download.download, folder, mirror, report, cancel.is_set,
                          download.TIMEOUT_SECONDS, download.SOURCES[dataset],
                          on_result=self._downloaded,
                          on_error=lambda error: self.downloadFailed.emit(describe(error)),
                          on_finished=lambda: setattr(self, "_download_cancel", None))

    def cancel_download(self):
        if self._download_cancel is not None:
            self._download_cancel.set()

    def _downloaded(self, result):
        folder, _ = result
        self.downloadFinished.emit(str(folder))
        self.load_data(folder)

    def _data_loaded(self, pair):
        self.data = pair
        self.dataChanged.emit(pair)
        self.preparing.emit(True)
        run_in_background(_prepare_kernels, pair, on_error=self._tell,
                          on_finished=lambda: self.preparing.emit(False))

    def save_data(self, folder):
        """Write the open data set as the course's HDF5 files, in a worker thread."""
        if self.data is None:
            self.message.emit("Open a data set first.")
            return
        self._write(data_files.save_pair, self.data, folder, written=folder,
                    outputs=[Path(folder) / TRAIN_HDF5, Path(folder) / TEST_HDF5])

    # ---------------------------------------------------------------- runs

    def start(self, settings, name=None, model=None, data=None):
        """Start training a new run (from ``model``'s parameters when given, else from the
        settings' initialisation; on ``data`` when given, else the open data); returns it,
        or None when refused (with a message)."""
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
        self.busyChanged.emit(True)
        self._worker = run_in_background(
            _drive, training, start=False,
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
        return self.start(settings, name=f"{run.name} + {settings.short_name()}", model=run.model)

    def fine_tune(self, model, name):
        """Train ``model`` on My digits mixed with the open data's training set, as a new
        run "fine-tune: ``name``"; when it ends, ``fineTuned`` tells its accuracy on My
        digits and on the test set, before and after."""
        if self._refused():
            return
        run_in_background(_prepare_fine_tune, self.data, model, on_error=self._tell,
                          on_result=lambda prepared: self._start_fine_tune(model, name, *prepared))

    def _start_fine_tune(self, model, name, pair, mine, before):
        run = self.start(FINE_TUNE, name=f"fine-tune: {name}", model=model, data=pair)
        if run is not None:
            self._when_finished[run] = lambda: run_in_background(
                metrics.evaluate, run.evaluated.model, mine, on_error=self._tell,
                on_result=lambda after: self.fineTuned.emit(
                    run, before, after.accuracy, run.points[0].test_accuracy, run.last.test_accuracy))

    def start_sweep(self, base, setting, values):
        """Train ``base`` with each of ``values`` for ``setting`` (a setting's name), as one
        sweep: its members are runs (named after their value, coloured along a ramp) that
        train together, in one pass over the data where they can share it. Returns the
        :class:`SweepGroup`, or None when refused (with a message)."""
        if self._refused():
            return None
        try:
            members = sweeps.expand(base, {setting: list(values)})
        except SettingsError as error:
            self.message.emit(str(error))
            return None
        group = SweepGroup(f"sweep {next(self._sweeps)}", setting, list(values))
        for i, (settings, swept) in enumerate(members):
            run = self._new_run(settings, name=f"{group.name}: {sweeps.member_name(swept)}")
            run.color = ramp_colour(i / max(len(members) - 1, 1))
            run.sweep = group
            group.runs.append(run)
        self.runs.extend(group.runs)
        for run in group.runs:
            self.runAdded.emit(run)
        self.sweepAdded.emit(group)
        self._sweep = group
        self._active = group.runs[0]
        self.busyChanged.emit(True)
        self._worker = run_in_background(
            _drive_sweep, self.data, [run.settings for run in group.runs], start=False,
            on_yield=lambda news: self._on_sweep_news(group, news),
            on_result=lambda _: self._sweep_ended(group, RunStatus.FINISHED),
            on_error=lambda error: self._sweep_failed(group, error))
        self._worker.aborted.connect(lambda: self._sweep_ended(group, RunStatus.STOPPED))
        self._worker.paused.connect(lambda: self._sweep_paused(group, True))
        self._worker.resumed.connect(lambda: self._sweep_paused(group, False))
        self._worker.start()
        return group

    def _on_sweep_news(self, group, news):
        if group is not self._sweep:
            return
        runs = group.runs
        for i in news.started:
            self._set_status(runs[i], RunStatus.RUNNING)
        for i, snapshot in news.snapshots:
            if runs[i].publish(snapshot):
                self.pointsAdded.emit(runs[i])
        if news.progress is not None:
            runs[news.progress[0]].publish(news.progress[1])
        for i, message in news.diverged:
            runs[i].status, runs[i].message = RunStatus.DIVERGED, message
            self.runChanged.emit(runs[i])
        for i in news.finished:
            runs[i].status = RunStatus.FINISHED
            self.runChanged.emit(runs[i])
        running = [run for run in runs if run.status == RunStatus.RUNNING]
        if running:
            self._active = running[0]
        now = time.perf_counter()
        if news.snapshots or news.finished or now - self._last_progress >= PROGRESS_SECONDS:
            self._last_progress = now
            self.progress.emit(self._active)
        if news.snapshots or news.started or news.diverged or news.finished:
            self.sweepChanged.emit(group)  # points or statuses: not mere progress

    def _sweep_paused(self, group, paused):
        for run in group.runs:
            if run.status in ((RunStatus.RUNNING,) if paused else (RunStatus.PAUSED,)):
                self._set_status(run, RunStatus.PAUSED if paused else RunStatus.RUNNING)

    def _sweep_ended(self, group, status, message=""):
        if group is not self._sweep:
            return
        for run in group.runs:
            if not run.status.ended:
                run.status, run.message = status, message
                self.runChanged.emit(run)
        active = self._active
        self._sweep = self._active = self._worker = None
        self.progress.emit(active)
        self.busyChanged.emit(False)
        self.sweepChanged.emit(group)

    def _sweep_failed(self, group, error):
        self._sweep_ended(group, RunStatus.FAILED, describe(error))
        self.message.emit(f"{group.name}: {describe(error)}")

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
        self.stop()
        self.cancel_download()
        if self._loader is not None:
            self._loader.quit()
        QThreadPool.globalInstance().waitForDone(timeout_ms)

    def _on_snapshot(self, run, snapshot):
        if run is not self._active:
            return
        if run.publish(snapshot):
            self.pointsAdded.emit(run)
        now = time.perf_counter()
        if now - self._last_progress >= PROGRESS_SECONDS:
            self._last_progress = now
            self.progress.emit(run)

    def _set_status(self, run, status):
        run.status = status
        self.runChanged.emit(run)

    def _end(self, run, status, message=""):
        if run.status.ended:
            return
        run.status = status
        run.message = message
        then = self._when_finished.pop(run, None)
        if then is not None and status == RunStatus.FINISHED:
            then()
        if self._active is run:
            self._active = None
            self._worker = None
            self.progress.emit(run)
            self.busyChanged.emit(False)
        self.runChanged.emit(run)
        if self._queue and status == RunStatus.FINISHED:
            QTimer.singleShot(0, self._start_queued)
        elif self._queue:
            self._queue.clear()
            self.message.emit(f"{run.name} {status}: the rest of the course's experiments are not run.")
        elif run.name == COURSE_EXPERIMENTS[-1] and status == RunStatus.FINISHED:
            self.message.emit("The course's experiments are done: File > Export assignment report… "
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
        color = PALETTE[(number - 1) % len(PALETTE)]
        base = name or settings.short_name()
        taken = {run.name for run in self.runs}
        unique = base
        for copy in count(2):
            if unique not in taken:
                break
            unique = f"{base} ({copy})"
        return Run(number, unique, color, settings)

    def load_params(self, path):
        """Load a parameter file and evaluate it on the data, in a worker thread.

        The run appears (``runAdded``) when the evaluation is done; a bad file gives a
        ``message`` instead.
        """
        if self.data is None:
            self.message.emit("Open a data set first: parameters are evaluated on its test set.")
            return
        run_in_background(_load_and_evaluate, path, self.data, on_error=self._tell,
                          on_result=lambda snapshot: self._add_loaded(path, snapshot))

    def _add_loaded(self, path, snapshot):
        run = self._new_run(snapshot.settings, name=Path(path).name)
        run.status = RunStatus.LOADED
        run.source = str(path)
        run.publish(snapshot)
        self.runs.append(run)
        self.runAdded.emit(run)

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

    # ---------------------------------------------------------------- files

    def _inputs(self):
        """Every file the studio reads, which no output may replace: the open data's files
        (however it was opened), the bundled weights and My digits."""
        from app.resources import BUNDLED_WEIGHTS

        paths = [BUNDLED_WEIGHTS, my_digits.default_path()]
        if self.data is not None:
            for part in (self.data.train, self.data.test):
                paths += [part.source, *folder_files(Path(part.source).parent)]
        return paths

    def _write(self, function, *args, written, folder=False, outputs=None):
        """Write a file (or a new ``folder``) in a worker thread (saves fsync, reports
        evaluate): ``fileWritten`` with ``written`` when done, else a ``message``. Refused at
        once, with a message, when it would replace one of the studio's inputs
        (``outputs``: the files written, when ``written`` is a folder that may exist)."""
        targets = [(None, path, False) for path in outputs] if outputs else [(None, written, folder)]
        try:
            check_outputs(targets, self._inputs())
        except FileWriteError as error:
            self.message.emit(str(error))
            return
        run_in_background(_naming(function, written), *args, on_error=self._tell,
                          on_result=lambda _: self.fileWritten.emit(str(written)))

    def _evaluated(self, run):
        """The newest snapshot of ``run`` that has a point (parameters with their metrics)."""
        if run.evaluated is None:
            self.message.emit(f"{run.name} has no evaluated parameters yet: wait for its first point.")
        return run.evaluated

    def save_params(self, run, path):
        """Save a run's parameters (course schema, atomic) in a worker thread.

        A training run saves its newest evaluated state, so the file's recorded metrics
        are exactly what its parameters give.
        """
        snapshot = self._evaluated(run)
        if snapshot is not None:
            self._write(params.save, path, snapshot.model, snapshot.metadata(), written=path)

    def export_csv(self, run, path):
        """Write a run's points as CSV, in a worker thread."""
        if not run.points:
            self.message.emit(f"{run.name} has no points yet.")
            return
        self._write(write_points_csv, path, list(run.points), written=path)

    def export_bytes(self, content, path):
        """Write ``content`` (a PNG, say) to ``path`` atomically, in a worker thread."""
        self._write(_write_bytes, path, content, written=path)

    def export_my_digits(self, digits, n_classes, path):
        """Write My digits to ``path`` (course schema), in a worker thread."""
        self._write(my_digits.export, digits, n_classes, path, written=path)

    def write_assignment(self, runs, folder, curves_png):
        """Write the course assignment's report of ``runs`` ((name, Run) pairs, finished) in
        a worker thread (``fileWritten`` or ``message``)."""
        if self.data is None:
            return
        self._write(_write_assignment, folder, self.data, runs, curves_png, written=folder, folder=True)

    def write_report(self, run, folder, curves_png):
        """Write ``run``'s report folder in a worker thread (``fileWritten`` or ``message``)."""
        from app.report import write_report

        snapshot = self._evaluated(run)
        if snapshot is None or self.data is None:
            return
        points = run.points[:run.points.index(snapshot.point) + 1]
        self._write(write_report, folder, run.name, run.settings, points, snapshot.model,
                    snapshot.metadata(), self.data.test, self.data.train.n_samples, curves_png,
                    written=folder, folder=True)


def _naming(function, written):
    """``function``, whose file-system errors (a full disk, say) name the file written."""
    def write(*args):
        try:
            return function(*args)
        except FileWriteError:
            raise
        except OSError as error:
            raise FileWriteError(f"{written}: not written ({error.strerror or error})") from None
    return write


def _write_assignment(folder, pair, runs, curves_png):
    """Worker body: the assignment report of the studio's runs of the course's experiments."""
    from app import assignment as report
    from compute import assignment

    experiments = [assignment.experiment(name, run, pair.test) for name, run in runs]
    report.write(folder, pair, experiments, assignment.check_gradient(pair.train), curves_png)


class WorkerFailed(Exception):
    """A RuntimeError from the engine, re-raised as something superqt reports.

    superqt's GeneratorWorker takes a RuntimeError from the generator for a deleted Qt
    object and only warns: the run would end silently.
    """


def _drive(training):
    """Worker body: the engine's generator, publishing a snapshot at each of its yields."""
    cores = CoresBesideGui()
    try:
        for _ in training.steps():
            cores.update()
            yield training.snapshot()
    except RuntimeError as error:
        raise WorkerFailed(f"{type(error).__name__}: {error}") from error


#: How a model is fine-tuned on My digits: a few hundred small SGD steps over one pass of
#: the mixed set (my_digits.MIX_SIZE samples).
FINE_TUNE = Settings(optimizer="sgd", batch_size=20, learning_rate=0.05, epochs=1, eval_every=1000)


def _prepare_fine_tune(pair, model):
    """Worker body: the mixed training data, My digits as a data set, and ``model``'s
    accuracy on them before the fine-tune."""
    digits = my_digits.load()
    mixed = my_digits.mixed(pair, digits)
    mine = my_digits.as_dataset(digits, pair.n_classes)
    metrics.check_fits(model, mine)
    return mixed, mine, metrics.evaluate(model, mine).accuracy


@dataclass
class SweepNews:
    """What a sweep's worker reports at a yield, by member index: members that started
    training, new snapshots with points, members that diverged (with the message), members
    that finished, and between points the first training member's progress snapshot."""

    started: list = field(default_factory=list)
    snapshots: list = field(default_factory=list)
    diverged: list = field(default_factory=list)
    finished: list = field(default_factory=list)
    progress: tuple = None


def _drive_sweep(pair, settings_list):
    """Worker body: the sweep's passes in turn (:func:`compute.sweep.passes`), reporting
    :class:`SweepNews` at each of the engine's yields."""
    cores = CoresBesideGui()
    try:
        for group in sweeps.passes(pair, settings_list):
            indices = group.indices
            yield SweepNews(started=list(indices))
            reported = set()
            for events in group.steps():
                cores.update()
                news = SweepNews(snapshots=[(indices[group.members.index(member)], member.training.evaluated)
                                            for member, _ in events or ()])
                for j, member in enumerate(group.members):
                    if member.error and j not in reported:
                        reported.add(j)
                        news.diverged.append((indices[j], member.error))
                running = [j for j, member in enumerate(group.members) if not member.error]
                if not events and running:  # progress between points: the first member's
                    news.progress = (indices[running[0]], group.members[running[0]].training.snapshot())
                yield news
            yield SweepNews(finished=[indices[j] for j, m in enumerate(group.members) if not m.error])
    except RuntimeError as error:
        raise WorkerFailed(f"{type(error).__name__}: {error}") from error


def _prepare_kernels(pair):
    """Worker body: compile what training on ``pair`` needs, and warm this pool thread.

    On a first start compiling takes seconds: the window is usable meanwhile, and a run
    started before it ends waits for the kernels it needs (numba compiles each once).
    A thread's first parallel kernel call sets up its OpenMP team and numba's per-thread
    state while holding the GIL: done at the start of a run, it froze the GUI for 40-100 ms
    (measured; none on a second run in the same thread). The pool reuses idle threads.
    """
    leave_one_core()  # the thread count a run starts with (see CoresBesideGui)
    threads.prepare(pair.train.rows, pair.n_classes)


def _load_and_evaluate(path, pair):
    """Worker body: read a parameter file and measure it on train and test, as a snapshot."""
    model, attributes = params.load(path, n_features=pair.n_features)
    metrics.check_fits(model, pair.test, path)
    started = time.perf_counter()
    test = metrics.evaluate(model, pair.test)
    train = metrics.evaluate(model, pair.train)
    seconds = time.perf_counter() - started
    settings, samples, updates = params.recorded(attributes)
    settings = settings or Settings()
    epoch = samples / pair.train.n_samples
    point = Point(samples, updates, epoch, train.loss, train.accuracy, test.loss, test.accuracy,
                  settings.learning_rate, 0.0, seconds)
    names = params.recorded_class_names(attributes, model.n_classes) or pair.class_names
    return Snapshot(settings, frozen_model(model), point, samples, updates, epoch,
                    settings.learning_rate, 0.0, seconds, samples, str(path), names)


def _write_bytes(path, content):
    with atomic_write(path) as f:
        f.write(content)


def describe(error):
    """An error from a background job as one line for the user of the window."""
    if isinstance(error, MemoryError):
        return "out of memory: try a smaller data set or batch size"
    if isinstance(error, download.DownloadError) and not isinstance(error, download.DownloadCancelled):
        return f"{error}. Offline? {error.by_hand}, then File > Open data folder."
    if isinstance(error, (data_files.DataError, ValueError, OSError, WorkerFailed, Warning)):
        return str(error)
    return f"{type(error).__name__}: {error}"
