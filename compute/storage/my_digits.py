"""My digits: the user's own drawings with the labels they gave them, kept as one course
schema HDF5 file in the user data folder (``xdata`` (N, 784) in [0, 1], one-hot
``ydata``), so that the command line can use it as ``--train``/``--test`` data too.

A store the user owns, kept as SQLite keeps its database:

* every change is a read-modify-write under a file lock (``my_digits.hdf5.lock``
  beside it), so that two studios, or a studio and a script, never lose each other's
  examples; the lock is the operating system's, released if the process dies;
* every change rewrites the file atomically (a temporary file, fsync, rename): a
  process killed mid-write leaves the last complete store;
* every example is checked before it is kept (784 finite values in [0, 1], a label of
  the model's classes), and the store is bounded: at most :data:`MAX_EXAMPLES`
  examples of at most :data:`MAX_CLASSES` classes;
* it is read as a stranger's file would be, and never through a symbolic link that
  leads out of its folder; it never enters the converted-data cache.
"""

import contextlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from filelock import FileLock, Timeout

from . import data
from ..errors import DataError
from ..kernels import sparse_rows
from .sources import user_data_folder

FILE_NAME = "my_digits.hdf5"
#: In a fine-tune, this share of the samples are My digits (repeated); the rest MNIST.
MIX_SHARE = 0.25
#: Samples in a fine-tune's one pass: a few hundred steps of a small batch.
MIX_SIZE = 6000
#: The most examples the store keeps (about 63 MB of pixels; importing MNIST's whole
#: test set fits twice over).
MAX_EXAMPLES = 20_000
#: The most classes an example may be labelled with (EMNIST's 62 fit).
MAX_CLASSES = 100
#: The pixels of an example: a 28x28 model input.
N_PIXELS = 784
#: How long a change waits for another process's change to finish (seconds).
LOCK_SECONDS = 30


def default_path():
    """Where My digits live: ``my-digits/my_digits.hdf5`` in the user data folder."""
    return user_data_folder("my-digits") / FILE_NAME


@dataclass
class MyDigits:
    """The examples (N, d) float32 in [0, 1] and their labels (N,) int32."""

    X: np.ndarray
    labels: np.ndarray

    @classmethod
    def empty(cls):
        return cls(np.zeros((0, 784), np.float32), np.zeros(0, np.int32))

    def __len__(self):
        return len(self.labels)

    def counts(self, n_classes):
        """How many examples each class has (length ``n_classes``)."""
        return np.bincount(self.labels, minlength=n_classes)[:n_classes]


def _checked_path(path):
    path = Path(path) if path is not None else default_path()
    if path.is_symlink() and path.resolve().parent != path.parent.resolve():
        raise DataError(f"{path}: is a symbolic link to {path.resolve()}, outside its folder; "
                        "My digits are kept only in their own folder (remove the link)")
    return path


def load(path=None):
    """My digits from ``path`` (default :func:`default_path`); none when there is no file."""
    path = _checked_path(path)
    if not path.exists():
        return MyDigits.empty()
    rows, labels, n_classes = data.read_hdf5(path, cached=False)
    _check(path.name, rows.n_features, labels, n_classes)
    return MyDigits(rows.dense().astype(np.float32), labels)


def _check(name, n_features, labels, n_classes):
    if n_features != N_PIXELS:
        raise DataError(f"{name}: has {n_features} features per example; My digits are 28x28 "
                        f"pictures ({N_PIXELS})")
    if len(labels) > MAX_EXAMPLES:
        raise DataError(f"{name}: holds {len(labels):,} examples; My digits keep at most "
                        f"{MAX_EXAMPLES:,}")
    if n_classes > MAX_CLASSES:
        raise DataError(f"{name}: has labels up to {n_classes - 1}; My digits take at most "
                        f"{MAX_CLASSES} classes")


@contextlib.contextmanager
def _changing(path):
    """Hold the store's file lock: one change at a time, across threads and processes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with FileLock(path.with_name(path.name + ".lock"), timeout=LOCK_SECONDS):
            yield
    except Timeout:
        raise DataError(f"{path}: another program has been changing My digits for "
                        f"{LOCK_SECONDS} s; try again when it is done") from None


def _append(path, X, labels, n_classes):
    """Add examples (already checked) to the store under its lock; the new store."""
    with _changing(path):
        digits = load(path)
        if len(digits) + len(labels) > MAX_EXAMPLES:
            raise DataError(f"{path.name}: has {len(digits):,} examples; adding {len(labels):,} "
                            f"would pass the limit of {MAX_EXAMPLES:,} (export and clear some)")
        digits = MyDigits(np.concatenate([digits.X, X]),
                          np.concatenate([digits.labels, labels]).astype(np.int32))
        n_classes = max(n_classes, int(digits.labels.max()) + 1)
        data.write_course_hdf5(path, digits.X, digits.labels, n_classes)
    return digits


def add(pixels, label, n_classes, path=None):
    """Add one example (a 28x28 model input, values in [0, 1]) with ``label``; returns
    the new :class:`MyDigits`."""
    if not 0 < n_classes <= MAX_CLASSES or not 0 <= label < n_classes:
        raise DataError(f"label {label} is not a class of this model (0..{n_classes - 1})")
    x = np.asarray(pixels, np.float32).reshape(1, -1)
    if x.shape[1] != N_PIXELS:
        raise DataError(f"a drawing has {x.shape[1]} pixels; My digits keep 28x28 model inputs "
                        f"({N_PIXELS})")
    if not np.isfinite(x).all() or x.min() < 0 or x.max() > 1:
        raise DataError("a drawing's pixels must be finite values in [0, 1]; nothing was added")
    return _append(_checked_path(path), x, np.array([label], np.int32), n_classes)


def import_file(source, n_classes, path=None):
    """Add every example of ``source`` (a course-schema file, checked like any data file,
    labelled with the model's classes)."""
    rows, labels, k = data.read_hdf5(source, cached=False)
    name = Path(source).name
    _check(name, rows.n_features, labels, k)
    if k > n_classes:
        raise DataError(f"{name}: has labels up to {k - 1}, but the model knows {n_classes} "
                        f"classes (0..{n_classes - 1}); nothing was imported")
    return _append(_checked_path(path), rows.dense().astype(np.float32), labels, n_classes)


def clear(path=None):
    """Forget every example (the file is removed); returns the empty :class:`MyDigits`."""
    path = _checked_path(path)
    with _changing(path):
        path.unlink(missing_ok=True)
    return MyDigits.empty()


def export(digits, n_classes, path):
    """Write ``digits`` to ``path`` in the course schema (atomically)."""
    data.write_course_hdf5(path, digits.X, digits.labels, n_classes)


def as_dataset(digits, n_classes, name="My digits"):
    """My digits as a :class:`compute.storage.data.Dataset` (to measure a model on them)."""
    return data.Dataset(name, str(default_path()), sparse_rows(digits.X), digits.labels.astype(np.int32),
                        n_classes)


def mixed(pair, digits, share=MIX_SHARE, size=MIX_SIZE, seed=0):
    """Training data for a fine-tune: ``size`` samples, ``share`` of them My digits
    (repeated), the rest drawn from ``pair``'s training set so the model keeps what it
    knew; the test set stays ``pair``'s (forgetting shows there)."""
    if not len(digits):
        raise DataError("My digits is empty: add drawings with a label first")
    rng = np.random.default_rng(seed)
    mine = int(round(size * share))
    own = rng.integers(0, len(digits), mine)
    others = rng.choice(pair.train.n_samples, size - mine, replace=False)
    X = np.concatenate([digits.X[own], pair.train.rows.dense(np.sort(others))])
    labels = np.concatenate([digits.labels[own], pair.train.labels[np.sort(others)]]).astype(np.int32)
    order = rng.permutation(size)
    train = data.Dataset(f"My digits ({share:.0%}) + {pair.train.name}", pair.train.source,
                         sparse_rows(X[order]), labels[order], pair.n_classes, pair.class_names)
    return data.DataPair(train, pair.test)
