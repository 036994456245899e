"""The run history: every run, with its settings, points and parameters, kept across
sessions and shared by the studio, the command line and Python.

The catalogue is a SQLite database, ``history.sqlite``, in the history folder. It uses
WAL mode, so readers never wait for a writer and several writers take turns. It has one
row per run and one row per point. Each run's newest evaluated parameters sit beside
it as a course-schema HDF5 file named after the run's number (``runs/42.hdf5``). A
recording run writes its points as they come and replaces its parameter file every few
seconds and at its end, so a run that dies (a crash, ``kill -9``, a power cut) keeps every
point written. :func:`opened` finds such a run "interrupted": its process is gone.

The folder is the user data folder's ``history``, or ``$SOFTMAX_LAB_HISTORY``. A
history that cannot be used gets a one-line :class:`HistoryError`. Nothing here ever
deletes a history file: :func:`move_aside` renames a damaged one.
"""

import json
import os
import socket
import sqlite3
import time
from dataclasses import dataclass, fields
from pathlib import Path

from ..errors import DataError
from ..settings import Settings
from . import cache, catalogue
from .cache import file_digest
from .catalogue import FILE_NAME, POINT_FIELDS, HistoryError, open_catalogue, reason, transaction
from .sources import user_data_folder

ENV = "SOFTMAX_LAB_HISTORY"
#: Statuses of a run that is still being recorded (its process should be alive).
LIVE = ("running", "paused", "queued")
INTERRUPTED = "interrupted"

@dataclass(frozen=True)
class RunRecord:
    """One run of the history, as listed (its points are read apart)."""

    id: int
    name: str
    created: float
    ended: float
    status: str
    message: str
    source: str
    data_folder: str
    data_hash: str
    class_names: tuple
    settings: Settings
    optimizer: str
    sweep: str
    parent: int
    parent_kind: str
    notes: str
    test_accuracy: float
    test_loss: float
    samples_seen: int
    train_seconds: float
    n_points: int
    host: str
    pid: int
    pid_started: float
    trashed: float

    def as_dict(self):
        """The record as JSON-ready values (``runs list --json``, ``runs show``)."""
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        values["settings"] = self.settings.as_dict()
        values["class_names"] = list(self.class_names)
        return values


def default_folder():
    """Where the history is kept: ``$SOFTMAX_LAB_HISTORY``, else the user data folder's
    ``history``."""
    if os.environ.get(ENV):
        return Path(os.environ[ENV])
    return user_data_folder("history")


def _process_started(pid):
    """When process ``pid`` started (seconds since the epoch), or 0 when it is gone."""
    import psutil

    try:
        return psutil.Process(pid).create_time()
    except (psutil.NoSuchProcess, psutil.AccessDenied, ValueError):
        return 0.0


def opened(folder=None, create=True):
    """The history of ``folder``, its runs whose process is gone marked interrupted (when
    it can be written): how every reader opens it."""
    history = History(folder, create)
    if history.writable:
        history.find_interrupted()
    return history


def move_aside(folder=None):
    """Rename an unusable history of ``folder`` (default: :func:`default_folder`) aside,
    never deleting it; returns the new path."""
    return catalogue.move_aside(folder or default_folder())


class History:
    """A connection to the run history of ``folder`` (default: :func:`default_folder`).

    Parameters
    ----------
    folder : path, optional
    create : bool
        Create the folder and the catalogue when missing (default); otherwise a missing
        history is an empty, read-only one.

    Attributes
    ----------
    writable : bool
        False when the file or its folder cannot be written (a read-only disk): the
        history is then read, and :attr:`problem` says why nothing is recorded.

    Raises
    ------
    HistoryError
        The file is not a Softmax Lab history (damaged, or another program's), or was
        written by a newer version.
    """

    def __init__(self, folder=None, create=True):
        self.folder = Path(folder if folder is not None else default_folder())
        self.path = self.folder / FILE_NAME
        self._db, self.problem = open_catalogue(self.path, create)
        self.writable = not self.problem

    def close(self):
        self._db.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # ------------------------------------------------------------ writing

    def _write(self, what, statement, values=()):
        if not self.writable:
            raise HistoryError(self.problem)
        try:
            with transaction(self._db):
                return self._db.execute(statement, values)
        except sqlite3.DatabaseError as error:
            raise HistoryError(f"{self.path}: {what} not recorded ({reason(error)})") from None

    def begin(self, name, settings, source, data=None, sweep="", parent=None, parent_kind="",
              status="running"):
        """Record a new run; returns its number.

        ``data`` is a :class:`compute.storage.data.DataPair` (its folder and content are
        recorded) or None; ``parent`` the number of the run it continues or fine-tunes
        (``parent_kind``: "continued" or "fine-tuned").
        """
        folder, digest, names = data_identity(data)
        pid = os.getpid()
        cursor = self._write(f"run {name!r}", """
            INSERT INTO runs (name, created, status, source, data_folder, data_hash, class_names,
                              settings, optimizer, sweep, parent, parent_kind, host, pid, pid_started)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            (name, time.time(), status, source, folder, digest, json.dumps(names),
             json.dumps(settings.as_dict()), settings.optimizer, sweep, parent, parent_kind,
             socket.gethostname(), pid, _process_started(pid)))
        return cursor.lastrowid

    def add_point(self, run_id, index, point):
        """Record point ``index`` (from 0) of a run, and its figures as the run's latest."""
        values = [getattr(point, name) for name in POINT_FIELDS]
        if not self.writable:
            raise HistoryError(self.problem)
        try:
            with transaction(self._db):
                self._db.execute(f"INSERT OR REPLACE INTO points VALUES (?, ?, {', '.join('?' * len(values))})",
                                 (run_id, index, *values))
                self._db.execute("""UPDATE runs SET test_accuracy=?, test_loss=?, samples_seen=?,
                                    train_seconds=?, n_points=? WHERE id=?""",
                                 (point.test_accuracy, point.test_loss, point.samples_seen,
                                  point.train_seconds, index + 1, run_id))
        except sqlite3.DatabaseError as error:
            raise HistoryError(f"{self.path}: point {index + 1} of run {run_id} not recorded "
                               f"({reason(error)})") from None

    def save_model(self, run_id, model, metadata=None):
        """Keep ``model`` as the run's parameters (course schema, replaced atomically)."""
        from . import params

        if not self.writable:
            raise HistoryError(self.problem)
        path = self.model_path(run_id)
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            params.save(path, model, metadata)
        except (OSError, DataError) as error:
            why = reason(error).removeprefix(f"{path}: ")
            raise HistoryError(f"{path}: parameters of run {run_id} not recorded ({why})") from None

    def set_results(self, run_id, test_accuracy=None, test_loss=None, samples_seen=0):
        """A run's results without points (an imported parameter file's recorded ones)."""
        self._write(f"the results of run {run_id}",
                    "UPDATE runs SET test_accuracy=?, test_loss=?, samples_seen=? WHERE id=?",
                    (test_accuracy, test_loss, samples_seen, run_id))

    def set_status(self, run_id, status, message=""):
        """A run's status ("running", "paused"; or an end: "finished", "stopped"…)."""
        ended = None if status in LIVE else time.time()
        self._write(f"the status of run {run_id}", "UPDATE runs SET status=?, message=?, ended=? WHERE id=?",
                    (str(status), message, ended, run_id))

    def rename(self, run_id, name):
        self._write(f"the name of run {run_id}", "UPDATE runs SET name=? WHERE id=?", (name, run_id))

    def set_notes(self, run_id, notes):
        self._write(f"the notes of run {run_id}", "UPDATE runs SET notes=? WHERE id=?", (notes, run_id))

    def trash(self, run_ids):
        """Move runs to the trash (they are listed no more, until restored or emptied)."""
        now = time.time()
        self._many("UPDATE runs SET trashed=? WHERE id=? AND trashed IS NULL", [(now, i) for i in run_ids])

    def restore(self, run_ids):
        """Take runs out of the trash."""
        self._many("UPDATE runs SET trashed=NULL WHERE id=?", [(i,) for i in run_ids])

    def _many(self, statement, rows):
        if not self.writable:
            raise HistoryError(self.problem)
        try:
            with transaction(self._db):
                self._db.executemany(statement, rows)
        except sqlite3.DatabaseError as error:
            raise HistoryError(f"{self.path}: change not recorded ({reason(error)})") from None

    def empty_trash(self):
        """Forget the runs in the trash for good (their rows, points and parameter files);
        returns how many."""
        trashed = [row[0] for row in self._db.execute("SELECT id FROM runs WHERE trashed IS NOT NULL")]
        self._write("emptying the trash", "DELETE FROM runs WHERE trashed IS NOT NULL")
        for run_id in trashed:
            self.model_path(run_id).unlink(missing_ok=True)
        return len(trashed)

    def find_interrupted(self):
        """Mark as interrupted the runs recorded as live whose process is gone (on this
        computer: a run of another one is left as it is); returns their numbers."""
        host = socket.gethostname()
        gone = [run_id for run_id, pid, started in self._db.execute(
                    f"SELECT id, pid, pid_started FROM runs WHERE host=? AND status IN {LIVE}", (host,))
                if abs(_process_started(pid) - started) > 1e-3]
        if gone and self.writable:
            for run_id in gone:
                self.set_status(run_id, INTERRUPTED, "its process ended before the run did")
        return gone

    def set_shown(self, run_ids):
        """The runs in the studio's run list, in order: the next start shows them again."""
        self._write("the studio's run list", "INSERT OR REPLACE INTO meta VALUES ('shown', ?)",
                    (json.dumps([int(i) for i in run_ids]),))

    # ------------------------------------------------------------ reading

    def shown(self):
        """The runs the studio's run list held last (those still in the history, not in
        the trash), in order."""
        row = self._db.execute("SELECT value FROM meta WHERE key='shown'").fetchone()
        try:
            wanted = [int(i) for i in json.loads(row[0])] if row else []
        except (TypeError, ValueError):
            return []
        there = {r[0] for r in self._db.execute("SELECT id FROM runs WHERE trashed IS NULL")}
        return [i for i in wanted if i in there]

    def records(self, trashed=False, where="", values=()):
        """The runs, oldest first (those in the trash only when ``trashed``)."""
        clause = "trashed IS NOT NULL" if trashed else "trashed IS NULL"
        if where:
            clause += f" AND ({where})"
        rows = self._db.execute(f"SELECT * FROM runs WHERE {clause} ORDER BY id", values)
        names = [column[0] for column in rows.description]
        return [_record(dict(zip(names, row))) for row in rows]

    def record(self, run_id):
        """The run numbered ``run_id`` (in the trash or not); HistoryError when none is."""
        rows = self.records(where="id=?", values=(run_id,)) or self.records(trashed=True, where="id=?",
                                                                            values=(run_id,))
        if not rows:
            raise HistoryError(f"{self.path}: no run {run_id}")
        return rows[0]

    def point_rows(self, run_id, start=0):
        """The run's points from index ``start`` on, as tuples of :data:`POINT_FIELDS`
        (``compute.engine.recording.points`` makes them Points)."""
        return self._db.execute(f"SELECT {', '.join(POINT_FIELDS)} FROM points WHERE run=? AND i>=? ORDER BY i",
                                (run_id, start)).fetchall()

    def model_path(self, run_id):
        return self.folder / "runs" / f"{int(run_id)}.hdf5"

    def model(self, run_id, n_features=None):
        """The run's recorded parameters and their file's attributes, or None when it has none."""
        from . import params

        path = self.model_path(run_id)
        if not path.is_file():
            return None
        return params.load(path, n_features=n_features)


def _record(row):
    try:
        settings = Settings.from_dict(json.loads(row["settings"]))
    except (TypeError, ValueError):
        settings = Settings()
    try:
        names = tuple(str(n) for n in json.loads(row["class_names"]))
    except (TypeError, ValueError):
        names = ()
    return RunRecord(**{**row, "settings": settings, "class_names": names})


_HASHES = {}


def data_identity(pair):
    """(folder, content hash, class names) of a data pair, or empty values for None: the
    hash is the same for the same files' bytes wherever they are (memoised per file
    version)."""
    if pair is None:
        return "", "", []
    import hashlib

    digest = hashlib.blake2b(digest_size=16)
    for part in (pair.train, pair.test):
        path = Path(part.source)
        try:
            stat = path.stat()
            key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
            if key not in _HASHES:  # the converted-data cache usually knows it
                _HASHES[key] = cache.recorded_digest(path) or file_digest(path)
            digest.update(_HASHES[key].encode())
        except OSError:
            digest.update(str(path).encode())
    return str(Path(pair.train.source).resolve().parent), digest.hexdigest(), list(pair.class_names)

