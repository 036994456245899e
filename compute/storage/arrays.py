"""Checking the arrays of a data file as they are read, a block of rows at a time: pixel
layout and range, labels one-hot or whole numbers, every problem one line that names the
file. Shared by the HDF5 and IDX readers."""

import numpy as np

from ..errors import DataError
from ..kernels import concatenate_rows, scan_rows, sparse_rows
from .sources import MAX_CLASSES


#: Rows converted at a time when a file is read: no dense copy of a whole file is made.
READ_ROWS = 4096


def check_pixel_layout(name, shape, dtype):
    if len(shape) != 2:
        raise DataError(f"{name}: 'xdata' has shape {shape}; it must be 2-D (samples, features)")
    if shape[0] == 0 or shape[1] == 0:
        raise DataError(f"{name}: 'xdata' is empty (shape {shape}); it needs samples and features")
    if dtype != np.uint8 and not np.issubdtype(dtype, np.floating):
        raise DataError(
            f"{name}: 'xdata' has dtype {dtype}; use floats in [0, 1] or uint8 pixels 0..255"
        )


def rows_from_blocks(name, blocks):
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


def labels_from(name, Y, n_rows):
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
    return checked_labels(name, "'ydata' has", Y)


def checked_labels(name, what, Y):
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
