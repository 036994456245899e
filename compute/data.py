"""Data sets: the course HDF5 schema and the standard IDX files, checked and ready.

A :class:`Dataset` keeps its rows in the sparse layout the kernels read
(:class:`compute.kernels.SparseRows`) and its labels as int32 class indices. ``K`` and
``d`` come from the files; nothing here assumes MNIST's 10 classes or 784 pixels.

Every problem with a file raises :class:`DataError` with one line that names the file,
what is wrong and what would be right.
"""

import gzip
import math
import zlib
from dataclasses import dataclass
from pathlib import Path

import h5py
import numpy as np

from . import cache
from .classes import MAX_NAME_CHARS, is_class_name, numbered_classes
from .errors import DataError, NoDataFound  # noqa: F401  (raised here; part of this API)
from .files import atomic_write, require_file
from .hdf5 import available_memory, open_datasets, row_blocks
from .kernels import SparseRows, concatenate_rows, scan_rows, sparse_rows
from .sources import (CLASSES_TXT, DATA_ENV, IDX_NAMES, MAX_CLASSES, TEST_HDF5,  # noqa: F401
                      TRAIN_HDF5, default_folders, user_data_folder)



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


# ----------------------------------------------------------------- checking arrays


#: Rows converted at a time when a file is read: no dense copy of a whole file is made.
READ_ROWS = 4096


def _check_pixel_layout(name, shape, dtype):
    if len(shape) != 2:
        raise DataError(f"{name}: 'xdata' has shape {shape}; it must be 2-D (samples, features)")
    if shape[0] == 0 or shape[1] == 0:
        raise DataError(f"{name}: 'xdata' is empty (shape {shape}); it needs samples and features")
    if dtype != np.uint8 and not np.issubdtype(dtype, np.floating):
        raise DataError(
            f"{name}: 'xdata' has dtype {dtype}; use floats in [0, 1] or uint8 pixels 0..255"
        )


def _rows_from_blocks(name, blocks):
    """Check and convert ``(first row, dense block)`` pairs into one :class:`SparseRows`."""
    parts = []
    for first, block in blocks:
        scan = scan_rows(block)
        if scan.first_nonfinite >= 0:
            raise DataError(f"{name}: 'xdata' has NaN or inf values (first in row "
                            f"{first + scan.first_nonfinite}); every pixel must be a finite "
                            "number in [0, 1]")
        if block.dtype != np.uint8 and (scan.low < 0.0 or scan.high > 1.0):
            raise DataError(f"{name}: 'xdata' has values in [{scan.low:g}, {scan.high:g}] (rows "
                            f"{first}-{first + block.shape[0] - 1}); pixels must be in [0, 1] "
                            "(divide 0..255 pixels by 255, or store them as uint8)")
        parts.append(sparse_rows(block, scan))
    return concatenate_rows(parts)


def _labels_from(name, Y, n_rows):
    """Class indices from one-hot rows (N, K) or integer labels (N,); returns (labels, K)."""
    if Y.shape[0] != n_rows:
        raise DataError(f"{name}: dataset 'ydata' has {Y.shape[0]} rows but 'xdata' has {n_rows}")
    if Y.ndim == 2:
        if Y.shape[1] < 2:
            raise DataError(f"{name}: 'ydata' has {Y.shape[1]} column; one-hot labels need one "
                            "column per class, at least 2")
        ones = Y == 1
        if not ((Y == 0) | ones).all() or not (ones.sum(axis=1) == 1).all():
            bad = int(np.flatnonzero(~(((Y == 0) | ones).all(axis=1) & (ones.sum(axis=1) == 1)))[0])
            raise DataError(f"{name}: 'ydata' row {bad} is not one-hot (exactly one 1, the rest 0); "
                            "give one-hot rows (N, K) or integer labels (N,)")
        return np.argmax(Y, axis=1).astype(np.int32), Y.shape[1]
    if Y.ndim != 1:
        raise DataError(f"{name}: 'ydata' has shape {Y.shape}; use one-hot (N, K) or labels (N,)")
    if np.issubdtype(Y.dtype, np.floating):
        if not np.isfinite(Y).all() or not (Y == np.round(Y)).all():
            raise DataError(f"{name}: 'ydata' has non-integer labels; labels must be whole "
                            "numbers 0..K-1")
    elif not np.issubdtype(Y.dtype, np.integer):
        raise DataError(f"{name}: 'ydata' has dtype {Y.dtype}; labels must be integers 0..K-1")
    return _checked_labels(name, "'ydata' has", Y)


def _checked_labels(name, what, Y):
    """Integer labels (checked before any cast) as int32, and K = the largest + 1."""
    def number(value):
        return str(int(value)) if float(value).is_integer() else f"{value:g}"

    if Y.size and Y.min() < 0:
        raise DataError(f"{name}: {what} the label {number(Y.min())} in row {int(np.argmin(Y))}; "
                        "labels must be 0..K-1")
    if Y.size and Y.max() >= MAX_CLASSES:
        raise DataError(f"{name}: {what} the label {number(Y.max())} in row {int(np.argmax(Y))}; "
                        f"labels must be 0..K-1 with at most {MAX_CLASSES:,} classes")
    labels = Y.astype(np.int32)
    return labels, int(labels.max()) + 1 if labels.size else 0


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
        _check_pixel_layout(name, xdata.shape, xdata.dtype)
        if ydata.ndim == 2 and ydata.shape[1] > MAX_CLASSES:
            raise DataError(f"{name}: 'ydata' has {ydata.shape[1]:,} columns; one-hot labels "
                            f"may have at most {MAX_CLASSES:,} classes")
        labels, n_classes = _labels_from(name, ydata[()], xdata.shape[0])
        rows = _rows_from_blocks(name, row_blocks(xdata, READ_ROWS))
    return rows, labels, n_classes


# -------------------------------------------------------------------------- IDX


def read_idx(path):
    """Read one IDX file (raw or gzip) as a numpy array of its stored shape.

    The header is read first, and then at most the bytes it promises (plus one, to tell
    a longer file): a damaged or hostile file can never make us decompress more.
    """
    path = require_file(path)
    with open(path, "rb") as f:
        gzipped = f.read(2) == b"\x1f\x8b"
        f.seek(0)
        stream = gzip.GzipFile(fileobj=f) if gzipped else f
        try:
            head = stream.read(4)
            if len(head) < 4 or head[0] != 0 or head[1] != 0:
                raise DataError(f"{path.name}: not an IDX file (bad magic number)")
            if head[2] != 0x08:
                raise DataError(f"{path.name}: IDX type 0x{head[2]:02x} is not supported; "
                                "expected unsigned bytes (0x08)")
            dims = stream.read(4 * head[3])
            if len(dims) < 4 * head[3]:
                raise DataError(f"{path.name}: truncated IDX header")
            shape = tuple(int.from_bytes(dims[4 * i:4 * i + 4], "big") for i in range(head[3]))
            size = math.prod(shape)
            memory = available_memory()
            if memory is not None and size > memory:
                raise DataError(f"{path.name}: its header declares {size:,} bytes (shape {shape}), "
                                f"more than the {memory:,} bytes of memory free")
            body = stream.read(size + 1)
        except (OSError, EOFError, zlib.error) as error:
            raise DataError(f"{path}: damaged gzip data ({error}); download it again") from None
    header = 4 + len(dims)
    if len(body) > size:
        raise DataError(f"{path.name}: holds more than the {header + size:,} bytes its header "
                        f"promises (shape {shape}); the file is damaged")
    if len(body) < size:
        raise DataError(f"{path.name}: {header + len(body):,} bytes but its header promises "
                        f"{header + size:,} (shape {shape}); the file is truncated or damaged")
    return np.frombuffer(body, dtype=np.uint8).reshape(shape)


def read_idx_pair(images_path, labels_path):
    """Read an IDX images file and its labels file (from the cache when it has them).

    Returns
    -------
    (SparseRows, ndarray, int)
        The examples, labels as int32 and K.
    """
    def convert():
        X, labels, n_classes = read_idx_arrays(images_path, labels_path)
        name = Path(images_path).name
        rows = _rows_from_blocks(name, ((a, X[a:a + READ_ROWS]) for a in range(0, X.shape[0], READ_ROWS)))
        return rows, labels, n_classes

    return cache.cached([images_path, labels_path], convert)


def read_idx_arrays(images_path, labels_path):
    """Read an IDX images file and its labels file; returns (X uint8 (N, d), labels, K)."""
    images = read_idx(images_path)
    labels = read_idx(labels_path)
    if images.ndim < 2:
        raise DataError(f"{Path(images_path).name}: holds labels, not images "
                        f"(shape {images.shape})")
    if labels.ndim != 1:
        raise DataError(f"{Path(labels_path).name}: holds images, not labels "
                        f"(shape {labels.shape})")
    if labels.shape[0] != images.shape[0]:
        raise DataError(f"{Path(labels_path).name}: {labels.shape[0]} labels but "
                        f"{Path(images_path).name} has {images.shape[0]} images")
    if images.shape[0] == 0:
        raise DataError(f"{Path(images_path).name}: holds no images")
    X = images.reshape(images.shape[0], -1)
    return (X, *_checked_labels(Path(labels_path).name, "holds", labels))


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


def idx_files(folder):
    """The four IDX files in ``folder`` (gzip or raw) as a dict, or None if any is missing."""
    folder = Path(folder)
    found = {}
    for key, stem in IDX_NAMES.items():
        for candidate in (folder / stem, folder / f"{stem}.gz"):
            if candidate.is_file():
                found[key] = candidate
                break
        else:
            return None
    return found


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
    files = idx_files(folder)
    if files is not None:
        return _pair(read_idx_pair(files["train_images"], files["train_labels"]),
                     read_idx_pair(files["test_images"], files["test_labels"]),
                     files["train_images"], files["test_images"])
    raise DataError(f"{folder}: holds neither {TRAIN_HDF5} + {TEST_HDF5} nor the four IDX "
                    f"files ({', '.join(IDX_NAMES.values())}, optionally .gz)")


def holds_data(folder):
    """Whether ``folder`` holds a data set (course HDF5 files or IDX files)."""
    folder = Path(folder)
    return folder.is_dir() and ((folder / TRAIN_HDF5).is_file() or bool(idx_files(folder)))


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
    files = idx_files(folder)
    if files is None:
        raise DataError(f"{folder}: holds neither {TEST_HDF5} nor the IDX test files "
                        f"({IDX_NAMES['test_images']}, {IDX_NAMES['test_labels']})")
    rows, labels, n_classes = read_idx_pair(files["test_images"], files["test_labels"])
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
