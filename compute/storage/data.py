"""Data sets: the course HDF5 schema and the standard IDX files, checked and ready.

A :class:`Dataset` keeps its rows in the sparse layout the kernels read
(:class:`compute.kernels.SparseRows`) and its labels as int32 class indices. ``K`` and
``d`` come from the files; nothing here assumes MNIST's 10 classes or 784 pixels.

Every problem with a file raises :class:`DataError` with one line that names the file,
what is wrong and what would be right.
"""

import math
from dataclasses import dataclass
from pathlib import Path

import h5py
import numpy as np

from . import cache, idx
from .arrays import READ_ROWS, check_pixel_layout, labels_from, rows_from_blocks
from .classes import MAX_NAME_CHARS, is_class_name, numbered_classes
from ..errors import DataError, NoDataFound  # noqa: F401  (raised here; part of this API)
from .files import atomic_write
from .hdf5 import open_datasets, row_blocks
from ..kernels import SparseRows
from .sources import (CLASSES_TXT, DATA_ENV, IDX_NAMES, MAX_CLASSES, TEST_HDF5,  # noqa: F401
                      TRAIN_HDF5, default_folders)


@dataclass
class Dataset:
    """Examples and labels, checked and in the kernels' layout.

    Attributes
    ----------
    name : str
        What to call it in the interface (usually the file name).
    source : str
        Where it came from (a path).
    rows : SparseRows
        The examples, values in [0, 1].
    labels : ndarray of int32, shape (n_samples,)
    n_classes : int
    class_names : tuple of str
        What to call each class (from the folder's ``classes.txt``; else "0", "1", ...).
    """

    name: str
    source: str
    rows: SparseRows
    labels: np.ndarray
    n_classes: int
    class_names: tuple = ()

    def __post_init__(self):
        if len(self.class_names) != self.n_classes:
            self.class_names = numbered_classes(self.n_classes)

    @property
    def n_samples(self):
        return self.rows.n_rows

    @property
    def n_features(self):
        return self.rows.n_features

    @property
    def image_shape(self):
        """(height, width) when the features are a square image, else None."""
        side = math.isqrt(self.n_features)
        return (side, side) if side * side == self.n_features else None


@dataclass
class DataPair:
    """The training and test sets of one data source."""

    train: Dataset
    test: Dataset

    @property
    def n_classes(self):
        return self.train.n_classes

    @property
    def n_features(self):
        return self.train.n_features

    @property
    def class_names(self):
        return self.train.class_names

    def describe(self):
        return (f"{self.train.n_samples:,} train / {self.test.n_samples:,} test, "
                f"K={self.n_classes} classes, d={self.n_features} features")


# ------------------------------------------------------------------------- HDF5


def read_hdf5(path, cached=True):
    """Read and check one course-schema HDF5 file (from the cache when it has it, and
    ``cached``: a store rewritten at every change, like My digits, stays out of it).

    The pixels are read, checked and converted a block of rows at a time.

    Returns
    -------
    (SparseRows, ndarray, int)
        The examples, labels as int32, and the number of classes the file implies (K of
        one-hot labels, or max label + 1).
    """
    if not cached:
        return _convert_hdf5(path)
    return cache.cached([path], lambda: _convert_hdf5(path))


def _convert_hdf5(path):
    name = Path(path).name
    schema = "the course schema: 'xdata' (N, d) and 'ydata' (N, K) or (N,)"
    with open_datasets(path, ("xdata", "ydata"), schema) as (datasets, _):
        xdata, ydata = datasets["xdata"], datasets["ydata"]
        check_pixel_layout(name, xdata.shape, xdata.dtype)
        if ydata.ndim == 2 and ydata.shape[1] > MAX_CLASSES:
            raise DataError(f"{name}: 'ydata' has {ydata.shape[1]:,} columns; one-hot labels "
                            f"may have at most {MAX_CLASSES:,} classes")
        labels, n_classes = labels_from(name, ydata[()], xdata.shape[0])
        rows = rows_from_blocks(name, row_blocks(xdata, READ_ROWS))
    return rows, labels, n_classes


def write_course_hdf5(path, X, labels, n_classes, attributes=None):
    """Write examples and labels in the course schema, atomically: float32 ``xdata`` in
    [0, 1] and one-hot float32 ``ydata``.

    ``X`` is a dense array (uint8 pixels or floats) or :class:`SparseRows`; it is written
    a block of rows at a time, never copied whole.
    """
    n, d = (X.n_rows, X.n_features) if isinstance(X, SparseRows) else X.shape
    with atomic_write(path) as stream, h5py.File(stream, "w") as f:
        xdata = f.create_dataset("xdata", shape=(n, d), dtype=np.float32)
        for first in range(0, n, READ_ROWS):
            last = min(first + READ_ROWS, n)
            if isinstance(X, SparseRows):
                block = X.dense(np.arange(first, last))
            elif X.dtype == np.uint8:
                block = X[first:last].astype(np.float32) / np.float32(255)
            else:
                block = X[first:last].astype(np.float32)
            xdata[first:last] = block
        f.create_dataset("ydata", data=np.eye(n_classes, dtype=np.float32)[labels])
        f.attrs.update(attributes or {})


def save_pair(pair, folder):
    """Write a loaded data set as the course's two HDF5 files in ``folder``."""
    folder = Path(folder)
    for dataset, name in ((pair.train, TRAIN_HDF5), (pair.test, TEST_HDF5)):
        write_course_hdf5(folder / name, dataset.rows, dataset.labels, pair.n_classes)
    return folder


# ------------------------------------------------------------------ class names


def read_class_names(folder, n_classes):
    """The class names in ``folder``'s ``classes.txt``, or the numbers when it has none.

    Raises :class:`DataError` (one line naming the file) when the file is there but does
    not name exactly ``n_classes`` classes, one short name a line.
    """
    path = Path(folder) / CLASSES_TXT
    if not path.is_file():
        return numbered_classes(n_classes)
    limit = n_classes * (MAX_NAME_CHARS + 2) * 4 + 64  # UTF-8: at most 4 bytes a character
    try:
        with open(path, "rb") as f:
            raw = f.read(limit + 1)
        text = raw.decode("utf-8-sig")
    except OSError as error:
        raise DataError(f"{path}: cannot be read ({error.strerror})") from None
    except UnicodeDecodeError:
        raise DataError(f"{path}: is not UTF-8 text; write one class name a line") from None
    if len(raw) > limit:
        raise DataError(f"{path}: is longer than {n_classes} names of at most "
                        f"{MAX_NAME_CHARS} characters; write one class name a line")
    names = [line.strip() for line in text.rstrip().splitlines()]
    if len(names) != n_classes:
        raise DataError(f"{path}: names {len(names)} classes but the data has {n_classes}; "
                        "write one name a line, in label order")
    for number, name in enumerate(names, start=1):
        if not is_class_name(name):
            raise DataError(f"{path}: line {number} is not a class name (1 to "
                            f"{MAX_NAME_CHARS} printable characters)")
    if len(set(names)) != len(names):
        twice = next(name for name in names if names.count(name) > 1)
        raise DataError(f"{path}: names the class {twice!r} twice; each class needs its own name")
    return tuple(names)


# ------------------------------------------------------------------ data sources


def _read_any(path):
    path = Path(path)
    if path.is_dir():
        raise DataError(f"{path}: is a folder, not a data file in the course HDF5 schema")
    return read_hdf5(path)


def _pair(train_part, test_part, train_source, test_source):
    (train_rows, y_train, k_train), (test_rows, y_test, k_test) = train_part, test_part
    train_name, test_name = Path(train_source).name, Path(test_source).name
    if train_rows.n_features != test_rows.n_features:
        raise DataError(f"{test_name}: has {test_rows.n_features} features per sample but "
                        f"{train_name} has {train_rows.n_features}; train and test must match")
    n_classes = max(k_train, k_test)
    if n_classes < 2:
        raise DataError(f"{train_name}: all labels are 0; softmax regression needs "
                        "at least 2 classes")
    names = read_class_names(Path(train_source).parent, n_classes)
    return DataPair(Dataset(train_name, str(train_source), train_rows, y_train, n_classes, names),
                    Dataset(test_name, str(test_source), test_rows, y_test, n_classes, names))


def load_files(train_path, test_path):
    """Load a training and a test file in the course HDF5 schema."""
    return _pair(_read_any(train_path), _read_any(test_path), train_path, test_path)


def load_folder(folder):
    """Load a folder holding the two course HDF5 files or the four IDX files."""
    folder = Path(folder)
    if not folder.is_dir():
        raise DataError(f"{folder}: no such folder")
    train, test = folder / TRAIN_HDF5, folder / TEST_HDF5
    if train.is_file() and test.is_file():
        return load_files(train, test)
    files = idx.idx_files(folder)
    if files is not None:
        return _pair(idx.read_idx_pair(files["train_images"], files["train_labels"]),
                     idx.read_idx_pair(files["test_images"], files["test_labels"]),
                     files["train_images"], files["test_images"])
    raise DataError(f"{folder}: holds neither {TRAIN_HDF5} + {TEST_HDF5} nor the four IDX "
                    f"files ({', '.join(IDX_NAMES.values())}, optionally .gz)")


def holds_data(folder):
    """Whether ``folder`` holds a data set (course HDF5 files or IDX files)."""
    folder = Path(folder)
    return folder.is_dir() and ((folder / TRAIN_HDF5).is_file() or bool(idx.idx_files(folder)))


def find_default_folder():
    """The first default folder that holds a data set, or None."""
    return next((folder for folder in default_folders() if holds_data(folder)), None)


def load_test(data=None, test=None):
    """Load only a test set: a file, the test part of a folder, or of the default data."""
    if test is not None:
        rows, labels, n_classes = _read_any(test)
        names = read_class_names(Path(test).parent, n_classes)
        return Dataset(Path(test).name, str(test), rows, labels, n_classes, names)
    folder = Path(data) if data is not None else _default_folder()
    if not folder.is_dir():
        raise DataError(f"{folder}: no such folder")
    if (folder / TEST_HDF5).is_file():
        return load_test(test=folder / TEST_HDF5)
    files = idx.idx_files(folder)
    if files is None:
        raise DataError(f"{folder}: holds neither {TEST_HDF5} nor the IDX test files "
                        f"({IDX_NAMES['test_images']}, {IDX_NAMES['test_labels']})")
    rows, labels, n_classes = idx.read_idx_pair(files["test_images"], files["test_labels"])
    names = read_class_names(folder, n_classes)
    return Dataset(files["test_images"].name, str(files["test_images"]), rows, labels, n_classes,
                   names)


def _default_folder():
    folder = find_default_folder()
    if folder is None:
        raise NoDataFound(default_folders(), DATA_ENV)
    return folder


def load(data=None, train=None, test=None):
    """Load the data a user named, or the default data.

    Parameters
    ----------
    data : path, optional
        A folder (see :func:`load_folder`).
    train, test : path, optional
        Files in the course schema; both or neither.
    """
    if train is not None or test is not None:
        if train is None or test is None:
            raise DataError(f"{train or test}: a training file and a test file go together; "
                            "name both")
        return load_files(train, test)
    return load_folder(data if data is not None else _default_folder())
