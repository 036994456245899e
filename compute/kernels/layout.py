"""How the kernels store data: compact CSR rows, and dense matrices turned into them.

* Data rows are CSR (:class:`SparseRows`). MNIST is about 80% zero pixels, so a row
  costs its ~150 non-zero pixels rather than 784. Rows are stored compactly, 3 bytes a
  non-zero instead of 8, whenever the data allow: feature indices as uint16, and
  8-bit pixel values (uint8 images, or floats that are all k/255) as uint8 codes into
  a table of 256 float32 levels. Shuffled mini-batches read rows from memory at
  random, and that memory traffic was a fifth of an epoch's time.
* Parameters are one array ``P`` of shape ``(d + 1, Kp)``: rows ``0..d-1`` hold the
  weights of each feature (the transpose of the course's ``w``), row ``d`` holds the
  bias, and ``Kp`` is ``K`` rounded up to :data:`LANES` (or, past 16 classes, to a
  multiple of 64) so that a row update is whole SIMD registers. Padding columns stay
  exactly zero.
* Labels are int32 class indices.
"""

from dataclasses import dataclass

import numpy as np
from numba import types
from numba.extending import overload

from .config import jit
from .llvm import LANES, WIDE_LANES


@dataclass(frozen=True)
class SparseRows:
    """Rows of a data matrix in CSR form, ready for the kernels.

    Attributes
    ----------
    indptr : ndarray of int64, shape (n_rows + 1,)
    indices : ndarray of uint16 (when d <= 65536) or int32, shape (nnz,)
        Feature (column) index of each stored value.
    values : ndarray of float32, or of uint8 codes into ``levels``, shape (nnz,)
    levels : ndarray of float32, shape (256,) for uint8 codes, else (0,)
        The value of each code: ``levels[values[p]]``.
    n_features : int
        Number of columns ``d`` of the dense matrix.
    """

    indptr: np.ndarray
    indices: np.ndarray
    values: np.ndarray
    levels: np.ndarray
    n_features: int

    @property
    def compact(self):
        """True when values are uint8 codes (3 bytes a non-zero with uint16 indices)."""
        return self.values.dtype == np.uint8

    @property
    def n_rows(self):
        return self.indptr.shape[0] - 1

    @property
    def density(self):
        cells = self.n_rows * self.n_features
        return self.values.shape[0] / cells if cells else 0.0

    def dense(self, rows=None):
        """Rebuild dense float32 rows (all rows, or those indexed by ``rows``)."""
        rows = np.arange(self.n_rows) if rows is None else np.asarray(rows, dtype=np.int64)
        out = np.zeros((rows.shape[0], self.n_features), dtype=np.float32)
        _densify(self.indptr, self.indices, self.values, self.levels, rows, out)
        return out


#: The values of 8-bit pixels: exactly what ``np.float32(k * (1 / 255))`` gives.
#: Every compact SparseRows shares this one table, so it is read-only.
LEVELS_8BIT = (np.arange(256) * (1.0 / 255.0)).astype(np.float32)
LEVELS_8BIT.flags.writeable = False
NO_LEVELS = np.empty(0, dtype=np.float32)
NO_LEVELS.flags.writeable = False


def padded_classes(n_classes):
    """Number of columns of ``P`` for ``n_classes`` classes: 16 for up to 16 classes (one
    lane group), else a multiple of 64 (the wide cores' pass)."""
    group = LANES if n_classes <= LANES else WIDE_LANES
    return -(-n_classes // group) * group


def value(values, levels, p):
    """The stored value ``p`` of a row: ``levels[values[p]]`` for codes, else ``values[p]``."""
    return levels[values[p]] if values.dtype == np.uint8 else values[p]


@overload(value, inline="always")
def _value_compiled(values, levels, p):
    # Chosen by type when compiling, so the loops over non-zeros carry no branch.
    if values.dtype == types.uint8:
        return lambda values, levels, p: levels[values[p]]
    return lambda values, levels, p: values[p]


@jit
def _densify(indptr, indices, values, levels, rows, out):
    for i in range(rows.shape[0]):
        r = rows[i]
        for p in range(indptr[r], indptr[r + 1]):
            out[i, indices[p]] = value(values, levels, p)


# ------------------------------------------------------- dense matrices to rows
#
# Serial on purpose: a data file is converted once (then kept in the cache, see
# compute/storage/cache.py), block by block, and serial kernels compile in a fraction of the
# time parallel ones take, which is what a first start waits for.


@jit
def _scan(X, levels, counts, low, high, nonfinite, fits):
    """Per row of ``X``: non-zeros, smallest and largest finite value, NaN/inf count, and
    whether every non-zero is exactly one of the 255 non-zero 8-bit levels."""
    for i in range(X.shape[0]):
        n = 0
        bad = 0
        lo = np.inf
        hi = -np.inf
        ok = True
        for j in range(X.shape[1]):
            x = np.float64(X[i, j])
            if x != 0:  # NaN and inf too: they are stored, so that they show
                n += 1
            if not np.isfinite(x):
                bad += 1
                ok = False
                continue
            lo = min(lo, x)
            hi = max(hi, x)
            if x != 0:
                code = np.round(x * 255.0)
                if not 1.0 <= code <= 255.0 or np.float32(X[i, j]) != levels[np.int64(code)]:
                    ok = False
        counts[i] = n
        low[i] = lo
        high[i] = hi
        nonfinite[i] = bad
        fits[i] = ok


@jit
def _fill_sparse(X, scale, indptr, indices, values, levels):
    coded = levels.shape[0] > 0
    for i in range(X.shape[0]):
        p = indptr[i]
        for j in range(X.shape[1]):
            x = X[i, j]
            if x != 0:
                indices[p] = j
                if coded:
                    values[p] = np.round(np.float64(x) * scale * 255.0)
                else:
                    values[p] = np.float32(x * scale)
                p += 1


@dataclass(frozen=True)
class Scan:
    """What one pass over a dense block found (see :func:`scan_rows`).

    Attributes
    ----------
    counts : ndarray of int64, non-zeros per row
    low, high : float
        Smallest and largest finite value (inf and -inf for a block of only NaN/inf).
    first_nonfinite : int
        First row holding NaN or inf, or -1.
    fits_levels : bool
        Every non-zero is k/255 exactly (uint8 codes will do).
    """

    counts: np.ndarray
    low: float
    high: float
    first_nonfinite: int
    fits_levels: bool


def _native(X):
    """``X`` as a C-contiguous array the kernels read: uint8, or native float32/float64
    (float16 and byte-swapped floats are converted)."""
    X = np.asarray(X)
    if X.ndim != 2:
        raise ValueError(f"X must be 2-D (rows, features), got shape {X.shape}")
    if X.dtype == np.uint8:
        return np.ascontiguousarray(X)
    if not np.issubdtype(X.dtype, np.floating):
        raise TypeError(f"X must be floating point or uint8, got {X.dtype}")
    wanted = np.float64 if X.dtype.itemsize > 4 else np.float32
    return np.ascontiguousarray(X, dtype=wanted)


def scan_rows(X):
    """One pass over a dense block: the :class:`Scan` that checking and converting it need."""
    X = _native(X)
    n = X.shape[0]
    counts = np.empty(n, dtype=np.int64)
    low, high = np.empty(n), np.empty(n)
    nonfinite = np.empty(n, dtype=np.int64)
    fits = np.empty(n, dtype=np.bool_)
    if X.dtype == np.uint8:  # every byte is a level; the ranges are what they are
        counts[:] = np.count_nonzero(X, axis=1)
        return Scan(counts, float(X.min(initial=0)), float(X.max(initial=0)), -1, True)
    _scan(X, LEVELS_8BIT, counts, low, high, nonfinite, fits)
    bad = np.flatnonzero(nonfinite)
    return Scan(counts, float(low.min(initial=np.inf)), float(high.max(initial=-np.inf)),
                int(bad[0]) if bad.size else -1, bool(fits.all()))


def value_range(X):
    """(minimum, maximum, first row with NaN/inf or -1) of a 2-D float array, in one pass."""
    X = np.asarray(X)
    if X.ndim != 2 or X.shape[0] == 0:
        raise ValueError(f"X must be 2-D with rows, got shape {X.shape}")
    scan = scan_rows(X)
    return scan.low, scan.high, scan.first_nonfinite


def sparse_rows(X, scan=None):
    """Convert a dense data matrix (or a block of one) to :class:`SparseRows`.

    Parameters
    ----------
    X : ndarray, shape (n_rows, n_features)
        Floating-point values (of any width or byte order; kept as float32) or uint8
        pixels 0..255 (scaled to [0, 1] by 1/255). Either way, values that are all k/255
        are stored as uint8 codes; :meth:`SparseRows.dense` gives back the same float32
        values.
    scan : Scan, optional
        :func:`scan_rows` of ``X``, when the caller already has it.

    Returns
    -------
    SparseRows
    """
    X = _native(X)
    scan = scan_rows(X) if scan is None else scan
    indptr = np.zeros(X.shape[0] + 1, dtype=np.int64)
    np.cumsum(scan.counts, out=indptr[1:])
    coded = scan.fits_levels and scan.first_nonfinite < 0
    indices = np.empty(indptr[-1], dtype=np.uint16 if X.shape[1] <= 1 << 16 else np.int32)
    values = np.empty(indptr[-1], dtype=np.uint8 if coded else np.float32)
    levels = LEVELS_8BIT if coded else NO_LEVELS
    _fill_sparse(X, 1.0 / 255.0 if X.dtype == np.uint8 else 1.0, indptr, indices, values, levels)
    return SparseRows(indptr, indices, values, levels, X.shape[1])


def concatenate_rows(parts):
    """One :class:`SparseRows` from blocks of rows, in order (all with the same features).

    Codes are kept when every block has them; otherwise every value becomes float32.
    """
    parts = list(parts)
    if len(parts) == 1:
        return parts[0]
    coded = all(part.compact for part in parts)
    offsets = np.cumsum([0] + [part.values.shape[0] for part in parts])
    indptr = np.concatenate([parts[0].indptr[:1]] + [part.indptr[1:] + offset
                                                    for part, offset in zip(parts, offsets)])
    indices = np.concatenate([part.indices for part in parts])
    values = np.concatenate([part.values if coded or not part.compact
                             else part.levels[part.values] for part in parts])
    return SparseRows(indptr, indices, values, LEVELS_8BIT if coded else NO_LEVELS,
                      parts[0].n_features)


def sparse_rows_serial(X):
    """:func:`sparse_rows` for a handful of rows, on the calling thread (float32 values).

    Never waits for a parallel kernel that a training thread may be running.
    """
    X = np.ascontiguousarray(X, dtype=np.float32)
    mask = X != 0
    indptr = np.zeros(X.shape[0] + 1, dtype=np.int64)
    np.cumsum(mask.sum(axis=1), out=indptr[1:])
    indices = np.nonzero(mask)[1].astype(np.int32)
    return SparseRows(indptr, indices, X[mask], NO_LEVELS, X.shape[1])
