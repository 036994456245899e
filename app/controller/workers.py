"""The bodies of the controller's background jobs: each runs in a pool thread and talks
to the GUI thread only through what it returns or yields (the controller forwards it by
signals)."""

import time
from dataclasses import asdict, dataclass, field, replace

from app.cores import CoresBesideGui, leave_one_core
from compute.storage import data as data_files
from compute.storage import download, my_digits, params
from compute.engine import metrics, threads
from compute.engine import sweep as sweeps
from compute.storage.files import FileWriteError, atomic_write
from compute.settings import Settings
from compute.storage.params import frozen_model
from compute.engine.inputs import Inputs
from compute.engine.points import Point, Snapshot

#: Progress reaches the window at most this often (milliseconds; superqt's throttle): the
#: GUI thread's work per update must not compete with the worker for the GIL hundreds of
#: times a second.
PROGRESS_MS = 100


def naming(function, written):
    """``function``, whose file-system errors (a full disk, say) name the file written."""
    def write(*args):
        try:
            return function(*args)
        except FileWriteError:
            raise
        except OSError as error:
            raise FileWriteError(f"{written}: not written ({error.strerror or error})") from None
    return write


def write_assignment_report(folder, pair, runs, curves_png):
    """Worker body: the assignment report of the studio's runs of the course's experiments."""
    from app import assignment as report
    from compute.studies import assignment

    experiments = [assignment.experiment(name, run, pair.test) for name, run in runs]
    report.write(folder, pair, experiments, assignment.check_gradient(pair.train), curves_png)


class WorkerFailed(Exception):
    """A RuntimeError from the engine, re-raised as something superqt reports.

    superqt's GeneratorWorker takes a RuntimeError from the generator for a deleted Qt
    object and only warns: the run would end silently.
    """


#: How a model is fine-tuned on My digits: a few hundred small SGD steps over one pass of
#: the mixed set (my_digits.MIX_SIZE samples).
FINE_TUNE = Settings(optimizer="sgd", batch_size=20, learning_rate=0.05, epochs=1, eval_every=1000)


def prepare_fine_tune(pair, model, inputs):
    """Worker body: the mixed training data, My digits as a data set, and ``model``'s
    accuracy on them before the fine-tune (``model`` reads ``inputs`` of the images)."""
    digits = my_digits.load()
    mixed = my_digits.mixed(pair, digits)
    mine = my_digits.as_dataset(digits, pair.n_classes)
    return mixed, mine, accuracy_on(model, mine, inputs)


def accuracy_on(model, dataset, inputs):
    """Worker body: ``model``'s accuracy on ``dataset`` as it reads it (``inputs``)."""
    seen = inputs.dataset(dataset)
    metrics.check_fits(model, seen)
    return metrics.evaluate(model, seen).accuracy


def read_runs(folder, history_ids):
    """Worker body: runs of the history as (record, Run) pairs; ``history_ids`` None: those
    the studio's run list held last (after marking those whose process is gone)."""
    from compute.engine.recording import restored_run
    from compute.storage.history import opened

    with opened(folder) as history:
        wanted = history.shown() if history_ids is None else list(history_ids)
        records = {r.id: r for r in history.records(where=f"id IN ({','.join('?' * len(wanted))})",
                                                    values=wanted)} if wanted else {}
        return [(records[i], restored_run(history, records[i])) for i in wanted if i in records]


def read_history(folder, trashed):
    """Worker body: every run of the history (or of its trash), as RunRecords."""
    from compute.storage.history import opened

    with opened(folder) as history:
        return history.records(trashed=trashed)


@dataclass
class FollowNews:
    """What changed in the history for the runs trained elsewhere: runs that began
    (record, Run) and, by history id, (new points, newest snapshot or None, status)."""

    new_runs: list = field(default_factory=list)
    updates: dict = field(default_factory=dict)


def read_follow_news(folder, since, mine, known, counts):
    """Worker body: runs recorded by other processes since ``since`` (but the ``known``
    history ids), and the new points of those followed (``counts``: history id -> points
    already shown)."""
    from compute.engine.recording import points, restored_run, snapshot_of
    from compute.engine.runs import RunStatus
    from compute.storage.history import History

    news = FollowNews()
    with History(folder, create=False) as history:
        for record in history.records(where="created >= ? AND pid != ?", values=(since, mine)):
            if record.id not in known:
                news.new_runs.append((record, restored_run(history, record)))
        if counts:
            ids = list(counts)
            for record in history.records(where=f"id IN ({','.join('?' * len(ids))})", values=ids):
                found = points(history, record.id, counts[record.id])
                snapshot = snapshot_of(history, record, found[-1]) if found else None
                try:
                    status = RunStatus(record.status)
                except ValueError:
                    status = RunStatus.STOPPED
                news.updates[record.id] = (found, snapshot, status)
    return news


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


def drive_sweep(pair, settings_list):
    """Worker body: the sweep's passes in turn (:func:`compute.engine.sweep.passes`), reporting
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


def prepare_kernels(pair):
    """Worker body: compile what training on ``pair`` needs, and warm this pool thread.

    On a first start compiling takes seconds: the window is usable meanwhile, and a run
    started before it ends waits for the kernels it needs (numba compiles each once).
    A thread's first parallel kernel call sets up its OpenMP team and numba's per-thread
    state while holding the GIL: done at the start of a run, it froze the GUI for 40-100 ms
    (measured; none on a second run in the same thread). The pool reuses idle threads.
    """
    leave_one_core()  # the thread count a run starts with (see CoresBesideGui)
    threads.prepare(pair.train.rows, pair.n_classes)


def load_and_evaluate(path, pair):
    """Worker body: read a parameter file and measure it on train and test, as a snapshot."""
    model, attributes = params.load(path)
    inputs = Inputs.recorded(attributes)  # the pixels, or what the file says it reads of them
    pixels = pair.n_features
    if not inputs.pixels:
        metrics.check_inputs(inputs, pair.test, path)
        pair = inputs.pair(pair)
    params.check_features(path, model, pair.n_features)
    metrics.check_fits(model, pair.test, path)
    started = time.perf_counter()
    test = metrics.evaluate(model, pair.test)
    train = metrics.evaluate(model, pair.train)
    seconds = time.perf_counter() - started
    settings, samples, updates = params.recorded(attributes)
    settings = replace(settings or Settings(), **asdict(inputs))
    epoch = samples / pair.train.n_samples
    point = Point(samples, updates, epoch, train.loss, train.accuracy, test.loss, test.accuracy,
                  settings.learning_rate, 0.0, seconds)
    names = params.recorded_class_names(attributes, model.n_classes) or pair.class_names
    return Snapshot(settings, frozen_model(model), point, samples, updates, epoch,
                    settings.learning_rate, 0.0, seconds, samples, str(path), names, pixels)


def write_bytes(path, content):
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
