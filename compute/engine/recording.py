"""Recording runs in the run history while they train, from a thread of its own.

The training loop never waits for the disk: a :class:`Recorder` takes each write as a
message and makes it in its own thread, with its own connection to the history
(:mod:`compute.storage.history`). A write that fails (a full disk, say) loses that write
only. ``on_problem`` hears of it in one line, once per run and kind of failure, and
recording goes on.
"""

import csv
import math
import queue
import threading
import time
from concurrent.futures import Future
from pathlib import Path

from ..errors import DataError
from ..settings import Settings
from ..storage.files import require_file
from ..storage.history import POINT_FIELDS, History, HistoryError
from .points import Point

#: A recording run's parameters are kept at most this often (seconds), and at its end:
#: writing them at every point took the training thread's turn (the GIL) from a short run.
PARAMETERS_SECONDS = 2.0


def points(history, run_id, start=0):
    """A recorded run's points, from index ``start`` on, as :class:`Point`\\ s."""
    return [Point(int(row[0]), int(row[1]), *(math.nan if v is None else v for v in row[2:]))
            for row in history.point_rows(run_id, start)]


def restored_run(history, record, start=0):
    """A run of the run list made from a history record: its points (from ``start``),
    and its recorded parameters as its newest snapshot (None when it has none yet)."""
    from .runs import Run, RunStatus

    found = points(history, record.id, start)
    try:
        status = RunStatus(record.status)
    except ValueError:
        status = RunStatus.STOPPED
    run = Run(0, record.name, "#000000", record.settings, status=status, points=found,
              message=record.message, source=record.data_folder, history_id=record.id)
    run.latest = run.evaluated = snapshot_of(history, record, found[-1] if found else None)
    return run


def snapshot_of(history, record, point):
    """The newest recorded parameters of ``record`` as a Snapshot at ``point``, or None."""
    from ..storage.params import frozen_model
    from .points import Snapshot

    try:
        recorded = history.model(record.id)
    except DataError:
        return None  # not written yet, or damaged: the run shows its points only
    if recorded is None:
        return None
    model = frozen_model(recorded[0])
    samples = point.samples_seen if point is not None else record.samples_seen
    return Snapshot(record.settings, model, point, samples, point.updates if point else 0,
                    point.epoch if point else 0.0, record.settings.learning_rate,
                    point.train_seconds if point else 0.0, point.eval_seconds if point else 0.0,
                    max(samples, 1), record.data_folder, record.class_names)


#: The most points a CSV may bring (a run of 1,000 epochs with a point every 60 samples).
MAX_CSV_POINTS = 1_000_000
MAX_CSV_BYTES = 256 << 20


def points_from_csv(path):
    """The points of a CSV written by ``train --metrics`` (or Export curves as CSV),
    checked: every column of a point, every value a finite number; else one line."""
    path = require_file(path, "a points CSV")
    if path.stat().st_size > MAX_CSV_BYTES:
        raise DataError(f"{path}: {path.stat().st_size:,} bytes is too large for a points CSV")
    try:
        with open(path, newline="", encoding="utf-8") as f:
            rows = csv.reader(f)
            header = next(rows, None)
            if header is None or sorted(header) != sorted(POINT_FIELDS):
                raise DataError(f"{path}: not a points CSV (its columns must be {', '.join(POINT_FIELDS)})")
            found = []
            for number, row in enumerate(rows, start=2):
                if len(found) >= MAX_CSV_POINTS:
                    raise DataError(f"{path}: more than {MAX_CSV_POINTS:,} points")
                try:
                    values = dict(zip(header, (float(cell) for cell in row), strict=True))
                except ValueError:
                    raise DataError(f"{path}: line {number} is not {len(header)} numbers") from None
                if any(not math.isfinite(values[k]) for k in ("samples_seen", "updates", "epoch")):
                    raise DataError(f"{path}: line {number} has a count that is not a finite number")
                found.append(Point(**{k: int(values[k]) if k in ("samples_seen", "updates") else values[k]
                                      for k in POINT_FIELDS}))
    except UnicodeDecodeError:
        raise DataError(f"{path}: not a points CSV (not UTF-8 text)") from None
    if not found:
        raise DataError(f"{path}: has no points")
    return found


def import_file(history, path, name=None):
    """Bring a parameter file (status "loaded", its recorded settings and results) or a
    points CSV (status "imported") into ``history`` as a run; returns its number."""
    from ..storage import params

    path = Path(path)
    name = name or path.stem
    if path.suffix.lower() == ".csv":
        found = points_from_csv(path)
        run_id = history.begin(name, Settings(), "import", status="imported")
        for index, point in enumerate(found):
            history.add_point(run_id, index, point)
        return run_id
    model, attributes = params.load(path)
    settings, samples, _ = params.recorded(attributes)
    run_id = history.begin(name, settings or Settings(), "import", status="loaded")
    history.save_model(run_id, model, {key: attributes[key] for key in attributes})
    results = {key: attributes.get(key) for key in ("test_accuracy", "test_loss")}
    history.set_results(run_id, samples_seen=samples,
                        **{k: float(v) for k, v in results.items() if isinstance(v, (int, float))})
    return run_id


class Recorder:
    """Writes to the run history of ``folder`` from a thread of its own.

    Parameters
    ----------
    folder : path, optional
        The history folder (default: ``$SOFTMAX_LAB_HISTORY``, else the user's).
    on_problem : callable(str), optional
        Told, from the recorder's thread, what could not be recorded (one line).

    Attributes
    ----------
    problem : str
        Why nothing is recorded ("" while recording works): the history could not be
        opened, or cannot be written.
    """

    def __init__(self, folder=None, on_problem=None):
        self.on_problem = on_problem or (lambda text: None)
        self.folder = None
        self._told = set()
        self._queue = queue.Queue()
        opened = Future()
        self._thread = threading.Thread(target=self._serve, args=(folder, opened), daemon=True,
                                        name="softmax-lab history")
        self._thread.start()
        self.problem = opened.result()

    @property
    def recording(self):
        return not self.problem

    def _serve(self, folder, opened):
        try:
            history = History(folder)
        except HistoryError as error:
            opened.set_result(str(error))
            return
        self.folder = history.folder
        opened.set_result(history.problem)
        with history:
            while (job := self._queue.get()) is not None:
                write, kind, done = job
                try:
                    write(history)
                except (HistoryError, OSError, ValueError) as error:
                    if kind not in self._told:  # once per run and kind of write
                        self._told.add(kind)
                        self.on_problem(str(error))
                finally:
                    if done is not None:
                        done.set_result(None)

    def submit(self, write, kind="write"):
        """Run ``write(history)`` in the recorder's thread, after the writes sent before it."""
        if self.recording:
            self._queue.put((write, kind, None))

    def call(self, method, *args):
        """A write of :class:`compute.storage.history.History` (``rename``, ``set_notes``,
        ``trash``, ``restore``…), in turn with the rest."""
        self.submit(lambda history: getattr(history, method)(*args), kind=method)

    def flush(self):
        """Wait until every write sent so far is made."""
        if self.recording and self._thread.is_alive():
            done = Future()
            self._queue.put((lambda history: None, "flush", done))
            done.result()

    def close(self):
        """Make the writes sent so far, and stop the thread."""
        if self._thread.is_alive():
            self._queue.put(None)
            self._thread.join()


class RunRecording:
    """One run in the history: begun when made (its number, :attr:`id`, is known once the
    recorder has written it: :meth:`Recorder.flush` waits for that); :meth:`sync` records
    the points (and the parameters of the newest) that ``run`` has and the history has
    not; :meth:`end` its end.

    ``run`` is anything with ``points`` (a list of Points) and ``evaluated`` (the Snapshot
    of the newest point): a :class:`compute.engine.training.Training` or a studio run.
    """

    def __init__(self, recorder, name, settings, source, data=None, sweep="", parent=None,
                 parent_kind="", status="running"):
        self.recorder = recorder
        self.id = None
        self.count = 0
        self._kept = time.monotonic()  # when the parameters were last sent (or the run began)
        self._unsaved = None  # the run, when its newest parameters are not sent yet

        def begin(history):
            self.id = history.begin(name, settings, source, data, sweep, parent, parent_kind, status)
        recorder.submit(begin, kind=("begin", id(self)))

    def _submit(self, write, what):
        """A write of this run, once it is begun (none when its beginning failed)."""
        def write_begun(history):
            if self.id is not None:
                write(history)
        self.recorder.submit(write_begun, kind=(what, id(self)))

    def sync(self, run, final=False):
        if len(run.points) <= self.count:
            return
        for index in range(self.count, len(run.points)):
            point = run.points[index]
            self._submit(lambda history, index=index, point=point: history.add_point(self.id, index, point),
                         "point")
        self.count = len(run.points)
        now = time.monotonic()
        if not final and now - self._kept < PARAMETERS_SECONDS:
            self._unsaved = run
            return
        self._keep_parameters(run)
        self._kept = now

    def _keep_parameters(self, run):
        self._unsaved = None
        evaluated = run.evaluated
        if evaluated is not None:
            model, metadata = evaluated.model, evaluated.metadata()
            self._submit(lambda history: history.save_model(self.id, model, metadata), "parameters")

    def call(self, method, *args):
        """``history.method(id, *args)`` for this run (``rename``, ``set_notes``,
        ``set_status``, ``set_results``, ``save_model``…)."""
        self._submit(lambda history: getattr(history, method)(self.id, *args), method)

    def end(self, run, status, message=""):
        """The run ended: its last points, its parameters and its status."""
        if len(run.points) > self.count:
            self.sync(run, final=True)
        elif self._unsaved is not None:
            self._keep_parameters(run)
        self.call("set_status", str(status), message)
