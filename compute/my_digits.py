"""My digits: the user's own drawings with the labels they gave them, kept as one course
schema HDF5 file in the user data folder (``xdata`` (N, 784) in [0, 1], one-hot
``ydata``), so that the command line can use it as ``--train``/``--test`` data too.

Every change rewrites the file atomically: an interrupted write leaves the old file.
"""

import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import data
from .errors import DataError
from .kernels import sparse_rows

FILE_NAME = "my_digits.hdf5"
#: In a fine-tune, this share of the samples are My digits (repeated); the rest MNIST.
MIX_SHARE = 0.25
#: Samples in a fine-tune's one pass: a few hundred steps of a small batch.
MIX_SIZE = 6000
#: Changes are read-modify-write of one file: one at a time (several clicks on "Add to My
#: digits" start several workers; without it one's example was lost).
_CHANGING = threading.Lock()


def default_path():
    """Where My digits live: ``my-digits/my_digits.hdf5`` in the user data folder."""
    return data.user_data_folder("my-digits") / FILE_NAME


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


def load(path=None):
    """My digits from ``path`` (default :func:`default_path`); none when there is no file."""
    path = Path(path) if path is not None else default_path()
    if not path.is_file():
        return MyDigits.empty()
    rows, labels, _ = data.read_hdf5(path)
    return MyDigits(rows.dense().astype(np.float32), labels)


def _save(digits, n_classes, path):
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    n_classes = max(n_classes, int(digits.labels.max()) + 1 if len(digits) else 0)
    data.write_course_hdf5(path, digits.X, digits.labels, n_classes)


def add(pixels, label, n_classes, path=None):
    """Add one example (a 28x28 model input, values in [0, 1]) with ``label``; returns
    the new :class:`MyDigits`."""
    if not 0 <= label < n_classes:
        raise DataError(f"label {label} is not a class of this model (0..{n_classes - 1})")
    path = path or default_path()
    x = np.clip(np.asarray(pixels, np.float32).reshape(1, -1), 0.0, 1.0)
    with _CHANGING:
        digits = load(path)
        if len(digits) and x.shape[1] != digits.X.shape[1]:
            raise DataError(f"{path}: holds examples of {digits.X.shape[1]} features, not {x.shape[1]}")
        digits = MyDigits(np.concatenate([digits.X, x]), np.append(digits.labels, np.int32(label)))
        _save(digits, n_classes, path)
    return digits


def import_file(source, n_classes, path=None):
    """Add every example of ``source`` (a course-schema file, checked like any data file)."""
    path = path or default_path()
    rows, labels, k = data.read_hdf5(source)
    if rows.n_features != 784:
        raise DataError(f"{Path(source).name}: has {rows.n_features} features per example; "
                        "My digits are 28x28 pictures (784)")
    with _CHANGING:
        digits = load(path)
        digits = MyDigits(np.concatenate([digits.X, rows.dense().astype(np.float32)]),
                          np.concatenate([digits.labels, labels]).astype(np.int32))
        _save(digits, max(n_classes, k), path)
    return digits


def clear(path=None):
    """Forget every example (the file is removed)."""
    with _CHANGING:
        Path(path or default_path()).unlink(missing_ok=True)


def export(digits, n_classes, path):
    """Write ``digits`` to ``path`` in the course schema (atomically)."""
    data.write_course_hdf5(path, digits.X, digits.labels, n_classes)


def as_dataset(digits, n_classes, name="My digits"):
    """My digits as a :class:`compute.data.Dataset` (to measure a model on them)."""
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
