"""Arrays a program hands over (the Python API's ``X``) as the rows the kernels read.

A data file is converted once and kept in the cache (:mod:`.cache`); an array in memory
is converted when it is trained on: a dense array of any integer or float type a block of
rows at a time (never a whole dense copy), a SciPy CSR matrix by taking its arrays as they
are where the kernels read them (float32 values; uint16 column indices when there are at
most 65,536 columns, else int32), converting only those that are not.

Read-only arrays that :func:`remember` was told about (the data sets the API loads) are
not converted at all: their rows are the ones already made from the files.
"""

import weakref

import numpy as np

from ..kernels import SparseRows, concatenate_rows, sparse_rows
from .arrays import READ_ROWS

_REMEMBERED = {}


def remember(X, rows):
    """Make ``X`` read-only and note that its rows are ``rows`` (for as long as ``X``
    lives): :func:`rows_of` then returns them without converting."""
    X.flags.writeable = False
    key = id(X)
    _REMEMBERED[key] = (weakref.ref(X, lambda _, key=key: _REMEMBERED.pop(key, None)), rows)
    return X


def is_csr(X):
    """Whether ``X`` is a SciPy CSR matrix or array (told without importing SciPy)."""
    return getattr(X, "format", None) == "csr" and hasattr(X, "indptr")


def rows_of(X):
    """The rows of ``X`` (a 2-D dense array of numbers, or SciPy CSR) as
    :class:`~compute.kernels.SparseRows`, values as they are (float32)."""
    remembered = _REMEMBERED.get(id(X))
    if remembered is not None and remembered[0]() is X and not X.flags.writeable:
        return remembered[1]
    rows = _from_csr(X) if is_csr(X) else _from_dense(X)
    if not rows.compact and not np.isfinite(rows.values).all():
        raise ValueError("X holds NaN or infinity; every value must be a finite number")
    return rows


def _from_dense(X):
    X = np.asarray(X)
    if X.ndim != 2:
        raise ValueError(f"X must be 2-D (samples, features); got shape {X.shape}")
    if not (np.issubdtype(X.dtype, np.floating) or np.issubdtype(X.dtype, np.integer)
            or X.dtype == np.bool_):
        raise TypeError(f"X must hold numbers; got dtype {X.dtype}")
    if X.dtype != np.uint8 and (np.issubdtype(X.dtype, np.floating) and X.dtype.itemsize >= 4):
        return _blocks(X, lambda block: block)
    # Whole numbers (uint8 too: its values are counts here, not pixels to scale by 1/255)
    # and half floats become float32, a block at a time.
    return _blocks(X, lambda block: block.astype(np.float32))


def _blocks(X, prepare):
    if X.shape[0] <= READ_ROWS:
        return sparse_rows(prepare(X))
    return concatenate_rows(sparse_rows(prepare(X[first:first + READ_ROWS]))
                            for first in range(0, X.shape[0], READ_ROWS))


def _from_csr(X):
    n_rows, n_features = X.shape
    index_type = np.uint16 if n_features <= 1 << 16 else np.int32
    if not X.has_canonical_format:  # duplicates summed and columns sorted, in a copy
        X = X.copy()
        X.sum_duplicates()
    return SparseRows(np.asarray(X.indptr, dtype=np.int64),
                      np.asarray(X.indices, dtype=index_type),
                      np.asarray(X.data, dtype=np.float32),
                      np.empty(0, np.float32), n_features)
