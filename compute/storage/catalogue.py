"""The run history's catalogue file: its format, opening it checked (ours, not of a newer
format; read only when it cannot be written), its transactions, and moving an unusable
one aside (nothing here deletes one).

The catalogue is a SQLite database in WAL mode: readers never wait for a writer, and
several writers (studios, terminals, notebooks) take turns.
"""

import sqlite3
import time
from pathlib import Path

from ..errors import DataError

FILE_NAME = "history.sqlite"
#: SQLite's application id for our files ("SMLH"): another program's database is told apart.
APPLICATION_ID = 0x534D4C48
#: The catalogue's format; a file of a later one is left alone, with a message.
VERSION = 1
#: How long a writer waits for another to finish its write (seconds).
BUSY_SECONDS = 30
#: A run's point fields, as stored (the order of :class:`compute.engine.points.Point`).
POINT_FIELDS = ("samples_seen", "updates", "epoch", "train_loss", "train_accuracy", "test_loss",
                "test_accuracy", "learning_rate", "train_seconds", "eval_seconds")

SCHEMA = f"""
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    created REAL NOT NULL,
    ended REAL,
    status TEXT NOT NULL,
    message TEXT NOT NULL DEFAULT '',
    source TEXT NOT NULL,
    data_folder TEXT NOT NULL DEFAULT '',
    data_hash TEXT NOT NULL DEFAULT '',
    class_names TEXT NOT NULL DEFAULT '[]',
    settings TEXT NOT NULL,
    optimizer TEXT NOT NULL,
    sweep TEXT NOT NULL DEFAULT '',
    parent INTEGER,
    parent_kind TEXT NOT NULL DEFAULT '',
    notes TEXT NOT NULL DEFAULT '',
    test_accuracy REAL,
    test_loss REAL,
    samples_seen INTEGER NOT NULL DEFAULT 0,
    train_seconds REAL NOT NULL DEFAULT 0,
    n_points INTEGER NOT NULL DEFAULT 0,
    host TEXT NOT NULL DEFAULT '',
    pid INTEGER NOT NULL DEFAULT 0,
    pid_started REAL NOT NULL DEFAULT 0,
    trashed REAL
);
CREATE TABLE IF NOT EXISTS points (
    run INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    i INTEGER NOT NULL,
    {", ".join(f"{name} REAL" for name in POINT_FIELDS)},  -- NULL: NaN (SQLite keeps no NaN)
    PRIMARY KEY (run, i)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS runs_created ON runs(created);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


class HistoryError(DataError):
    """The history cannot be used as asked; the message is one line naming the file."""


def move_aside(folder):
    """Rename a history that cannot be used (the catalogue and its WAL files) to
    ``history.sqlite.unusable-<time>``; nothing is deleted. Returns the new path."""
    path = Path(folder) / FILE_NAME
    target = path.with_name(f"{FILE_NAME}.unusable-{time.strftime('%Y%m%d-%H%M%S')}")
    for suffix in ("-wal", "-shm"):
        side = path.with_name(path.name + suffix)
        if side.exists():
            side.rename(target.with_name(target.name + suffix))
    path.rename(target)
    return target


def open_catalogue(path, create=True):
    """A connection to the catalogue at ``path``, checked, and why it cannot be written
    ("" when it can): (connection, problem). Created when missing and ``create``;
    otherwise a missing one is an empty one, in memory.

    Raises HistoryError when the file is not ours, is of a newer format, or is damaged.
    """
    try:
        return _connect(Path(path), create)
    except HistoryError:
        raise
    except (sqlite3.DatabaseError, OSError) as error:
        raise HistoryError(f"{path}: not a Softmax Lab history ({reason(error)})") from None


def _connect(path, create):
    # (exists() before is_file(): another writer may create the file in between, and a
    # new file is regular; the other order read that as "not a regular file")
    if path.exists() and not path.is_file():
        raise HistoryError(f"{path}: not a Softmax Lab history (not a regular file)")
    exists = path.is_file()
    if not exists and not create:
        return _read_only(path, empty=True)
    try:
        if not exists:
            path.parent.mkdir(parents=True, exist_ok=True)
        return _opened(path, lambda db: _prepare(path, db), timeout=BUSY_SECONDS), ""
    except (sqlite3.OperationalError, PermissionError) as error:
        if isinstance(error, sqlite3.OperationalError) and not _read_only_error(error):
            raise
        return _read_only(path, empty=not exists, error=error)


def _prepare(path, db):
    """Check the file, then make it ours (WAL; the tables, when new)."""
    _check(path, db)  # before anything is changed: it may be another program's file
    if not _to_wal(db):
        raise sqlite3.OperationalError("attempt to write a readonly database")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("PRAGMA foreign_keys=ON")
    with transaction(db):  # one creator at a time; the others find it made
        if _check(path, db) == 0:
            for statement in SCHEMA.split(";"):
                if statement.strip():
                    db.execute(statement)
            db.execute(f"PRAGMA application_id={APPLICATION_ID}")
            db.execute(f"PRAGMA user_version={VERSION}")


def _to_wal(db):
    """Switch the file to WAL (True when it is). While another process is creating the
    same new file, SQLite refuses the switch at once ("database is locked") instead of
    waiting as for a write: try again until BUSY_SECONDS have passed."""
    deadline = time.monotonic() + BUSY_SECONDS
    while True:
        try:
            return db.execute("PRAGMA journal_mode=WAL").fetchone()[0].lower() == "wal"
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


def _read_only(path, empty, error=None):
    """Open the catalogue for reading only (or an empty one in memory when missing)."""
    problem = f"{path}: cannot be written ({reason(error) if error else 'not created'}); " \
              "runs are not recorded"
    if empty:
        return _opened(":memory:", lambda db: [db.execute(statement) for statement in SCHEMA.split(";")
                                               if statement.strip()]), problem
    uri = f"{path.resolve().as_uri()}?mode=ro"
    try:
        return _opened(uri, lambda db: _check(path, db), uri=True, timeout=BUSY_SECONDS), problem
    except sqlite3.OperationalError:
        # On a read-only disk a WAL file cannot get its shared-memory file: read it as
        # it stands (nothing can change it there).
        return _opened(uri + "&immutable=1", lambda db: _check(path, db), uri=True), problem


def _check(path, db):
    """Refuse a file that is not ours, or is of a newer format; its format (0: new)."""
    reading = not db.in_transaction
    if reading:
        db.execute("BEGIN")  # one consistent view, though another process is creating it
    try:
        application = db.execute("PRAGMA application_id").fetchone()[0]
        version = db.execute("PRAGMA user_version").fetchone()[0]
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    finally:
        if reading:
            db.execute("COMMIT")
    if application == 0 and version == 0 and not tables:
        return 0  # a new, empty file
    if application != APPLICATION_ID:
        raise HistoryError(f"{path}: not a Softmax Lab history (another program's database)")
    if version > VERSION:
        raise HistoryError(f"{path}: written by a newer Softmax Lab (history format {version}; "
                           f"this version reads format {VERSION}): upgrade, or choose another "
                           "folder with --history")
    if not {"runs", "points", "meta"} <= tables:
        raise HistoryError(f"{path}: not a Softmax Lab history (its tables are missing)")
    return version


def _opened(target, prepare, **options):
    """A connection to ``target`` on which ``prepare`` succeeded (closed if it failed)."""
    db = sqlite3.connect(target, isolation_level=None, **options)
    try:
        prepare(db)
    except BaseException:
        db.close()
        raise
    return db


class transaction:
    """BEGIN IMMEDIATE … COMMIT (ROLLBACK on error): a write takes the lock at once."""

    def __init__(self, db):
        self.db = db

    def __enter__(self):
        self.db.execute("BEGIN IMMEDIATE")

    def __exit__(self, kind, error, trace):
        self.db.execute("ROLLBACK" if kind else "COMMIT")



def _read_only_error(error):
    text = str(error).lower()
    return "readonly" in text or "read-only" in text or "unable to open" in text


def reason(error):
    text = str(error)
    if isinstance(error, sqlite3.DatabaseError) and "not a database" in text:
        return "damaged, or not a database"
    return getattr(error, "strerror", None) or text
