"""Numba kernels for softmax regression on sparse rows.

Layout (chosen for speed, documented once here):

* Data rows are CSR (:class:`SparseRows`). MNIST is about 80% zero pixels, so a row
  costs its ~150 non-zero pixels rather than 784. Rows are stored compactly, 3 bytes a
  non-zero instead of 8, whenever the data allow: feature indices as uint16, and
  8-bit pixel values (uint8 images, or floats that are all k/255) as uint8 codes into
  a table of 256 float32 levels. Shuffled mini-batches read rows from memory at
  random, and that memory traffic was a fifth of an epoch's time.
* Parameters are one array ``P`` of shape ``(d + 1, Kp)``: rows ``0..d-1`` hold the
  weights of each feature (the transpose of the course's ``w``), row ``d`` holds the
  bias, and ``Kp`` is ``K`` rounded up to a multiple of 16 so that a row update is
  whole SIMD registers. Padding columns stay exactly zero.
* ``P`` is float32 or float64, and the kernels compute in its precision (losses are
  always summed in float64). Training uses float32 (:data:`TRAINING_DTYPE`): a row of
  16 classes is then one 64-byte cache line instead of two, and the parameters of
  MNIST fit in the first-level cache. Parameter files and evaluations use float64.
* Labels are int32 class indices.

Each computation has three layers (after stumpy): a serial ``@jit`` core for one row,
a driver (``parallel=True`` with per-block outputs where the work is coarse), and a
public function that checks its arguments and raises ``TypeError``/``ValueError``
saying how to fix them. Parallel drivers give each block of rows its own output slot
and reduce the slots in block order afterwards, so a result never depends on how many
threads ran it.
"""

from dataclasses import dataclass

import numba
import numpy as np
from numba import prange, types
from numba.core import cgutils
from llvmlite import ir
from numba.extending import intrinsic, overload

from ._jit import PARALLEL_LOCK, jit, thread_count

#: Columns of ``P`` are padded to a multiple of this many classes.
LANES = 16
#: Rows per block in the parallel kernels: the unit of determinism and of work split.
BLOCK_ROWS = 2048
#: Precision of the parameters while training (measured on MNIST: a shuffled
#: mini-batch-100 epoch takes about a quarter less time than in float64; every preset
#: reaches the same test accuracy).
TRAINING_DTYPE = np.dtype(np.float32)
PARAMETER_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


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
_NO_LEVELS = np.empty(0, dtype=np.float32)
_NO_LEVELS.flags.writeable = False


def padded_classes(n_classes):
    """Number of columns of ``P`` for ``n_classes`` classes."""
    return -(-n_classes // LANES) * LANES


# --------------------------------------------------------------------------- cores


def _value(values, levels, p):
    """The stored value ``p`` of a row: ``levels[values[p]]`` for codes, else ``values[p]``."""


@overload(_value, inline="always")
def _value_impl(values, levels, p):
    # Chosen by type when compiling, so the loops over non-zeros carry no branch.
    if values.dtype == types.uint8:
        return lambda values, levels, p: levels[values[p]]
    return lambda values, levels, p: values[p]


@intrinsic
def _stack_empty(typingctx, size, dtype):
    """A buffer in the calling function's stack frame (never return it).

    Fixed-length (LANES) loops over such a buffer compile to whole SIMD registers: LLVM
    knows it aliases no array. A heap scratch array would be reloaded and stored on
    every non-zero for fear of aliasing (measured: 2.6x slower).
    """
    def codegen(context, builder, signature, args):
        return cgutils.alloca_once(builder, context.get_value_type(dtype.dtype), size=args[0])
    return types.CPointer(dtype.dtype)(types.int64, dtype), codegen


@jit(reassociate=False)
def _row_logits_lanes(P, indices, values, levels, start, stop, bias_row, z):
    acc = numba.carray(_stack_empty(LANES, P.dtype), (LANES,))
    for k in range(LANES):
        acc[k] = P[bias_row, k]
    for q in range(stop - start):
        p = np.uint64(start + q)  # unsigned: no negative-index wraparound code per non-zero
        j = np.uint64(indices[p])
        v = P.dtype.type(_value(values, levels, p))
        for k in range(LANES):
            acc[k] += v * P[j, k]
    for k in range(LANES):
        z[k] = acc[k]


@jit(reassociate=False)
def _add_outer_lanes(M, indices, values, levels, start, stop, bias_row, delta, scale):
    step = numba.carray(_stack_empty(LANES, M.dtype), (LANES,))
    for k in range(LANES):
        step[k] = scale * delta[k]
    for q in range(stop - start):
        p = np.uint64(start + q)
        j = np.uint64(indices[p])
        v = M.dtype.type(_value(values, levels, p))
        for k in range(LANES):
            M[j, k] += v * step[k]
    for k in range(LANES):
        M[bias_row, k] += step[k]


# The lane cores work on the first LANES columns. K <= 16 passes the arrays themselves;
# wider K passes column views. A column offset as a parameter made LLVM turn the
# non-zero loop into gathers (measured 5x slower).
#
# The wrappers are inlined by numba (the lane cores, compiled without ``reassoc``, are
# then inlined by LLVM with their own flags): a call that passes arrays costs atomic
# reference-count updates, several per row.


@jit(inline=True)
def _row_logits(P, indices, values, levels, start, stop, bias_row, z):
    if z.shape[0] == LANES:
        _row_logits_lanes(P, indices, values, levels, start, stop, bias_row, z)
    else:
        for col in range(0, z.shape[0], LANES):
            _row_logits_lanes(P[:, col:col + LANES], indices, values, levels, start, stop,
                              bias_row, z[col:col + LANES])


@jit(inline=True)
def _add_outer(M, indices, values, levels, start, stop, bias_row, delta, scale):
    """``M[j] += scale * x_j * delta`` for the row's non-zeros, and ``M[bias] += scale * delta``.

    With ``M`` the gradient and ``scale`` 1 this accumulates a row's gradient; with ``M``
    the parameters and ``scale = -learning_rate`` it is the sparse SGD update.
    """
    if delta.shape[0] == LANES:
        _add_outer_lanes(M, indices, values, levels, start, stop, bias_row, delta, scale)
    else:
        for col in range(0, delta.shape[0], LANES):
            _add_outer_lanes(M[:, col:col + LANES], indices, values, levels, start, stop,
                             bias_row, delta[col:col + LANES], scale)


@jit
def _top(z, n_classes):
    """(index, value) of the largest of the first ``n_classes`` logits (first on ties)."""
    best = 0
    top = z[0]
    for k in range(1, n_classes):
        if z[k] > top:
            top = z[k]
            best = k
    return best, top


@jit
def _log_softmax_loss(z, n_classes, label):
    """Cross-entropy of logits ``z`` for ``label``: (loss, predicted class, log normaliser).

    Loss is ``logsumexp(z) - z[label]`` in nats, exact (no epsilon), returned in float64
    whatever the precision of ``z``. A NaN or inf logit makes the loss NaN, which is how
    divergence shows.
    """
    best, top = _top(z, n_classes)
    total = 0.0
    for k in range(n_classes):
        total += np.exp(z[k] - top)
    log_norm = top + np.log(total)
    return log_norm - z[label], best, log_norm


#: Smaller probabilities count as 0 in gradients. They could not change a parameter
#: (float32 keeps 24 bits), but once logits spread by more than 87 they are subnormal
#: float32 numbers, and every operation on one costs the CPU a microcode assist
#: (measured: a batch-1 epoch at a learning rate of 0.5 ran 4x slower). Losses are
#: unaffected: they come from the sum of the exponentials, which is at least 1.
TINY_PROBABILITY = 2.0**-100


@jit
def _softmax_delta(z, n_classes, label):
    """Turn logits into ``softmax(z) - onehot(label)`` in place (padding set to 0).

    Returns (loss, correct), with one ``exp`` per class (scalar libm calls are a large
    share of a training epoch). Probabilities below :data:`TINY_PROBABILITY` become 0.
    """
    best, top = _top(z, n_classes)
    label_logit = np.float64(z[label])
    total = 0.0
    for k in range(n_classes):
        z[k] = np.exp(z[k] - top)
        total += z[k]
    inverse = 1.0 / total
    for k in range(n_classes):
        p = z[k] * inverse
        z[k] = p if p >= TINY_PROBABILITY else 0.0
    for k in range(n_classes, z.shape[0]):
        z[k] = 0.0
    z[label] -= 1.0
    return np.float64(top) + np.log(total) - label_logit, best == label


@intrinsic
def _prefetch(typingctx, array, index):
    """Hint the CPU to bring ``array[index]`` into the second-level cache (``llvm.prefetch``).

    Locality 2 (``prefetcht1``), not 3: prefetching rows into the first-level cache
    evicted the parameters that every row reads (measured: a mini-batch epoch 15-20%
    slower, in order or shuffled).
    """
    def codegen(context, builder, signature, args):
        array_type = signature.args[0]
        view = context.make_array(array_type)(context, builder, args[0])
        pointer = cgutils.get_item_pointer(context, builder, array_type, view, [args[1]])
        i32 = ir.IntType(32)
        function = cgutils.get_or_insert_function(
            builder.module, ir.FunctionType(ir.VoidType(), [cgutils.voidptr_t, i32, i32, i32]),
            "llvm.prefetch.p0")
        builder.call(function, [builder.bitcast(pointer, cgutils.voidptr_t), i32(0), i32(2), i32(1)])
        return context.get_dummy_value()
    return types.none(array, types.intp), codegen


#: How many rows ahead the shuffled training loop prefetches (rows are ~1.2 KB apart
#: in memory at random; measured: shuffled order cost 35 ms an epoch without it).
PREFETCH_AHEAD = 4


@jit
def _prefetch_row(indptr, indices, values, row):
    for p in range(indptr[row], indptr[row + 1], 64 // indices.itemsize):  # a line each
        _prefetch(indices, p)
    for p in range(indptr[row], indptr[row + 1], 64 // values.itemsize):
        _prefetch(values, p)


@jit
def _densify(indptr, indices, values, levels, rows, out):
    for i in range(rows.shape[0]):
        r = rows[i]
        for p in range(indptr[r], indptr[r + 1]):
            out[i, indices[p]] = _value(values, levels, p)


# ---------------------------------------------------------------------- optimizers

SGD, MOMENTUM, NESTEROV, ADAGRAD, RMSPROP, ADAM = range(6)
OPTIMIZER_CODES = {
    "sgd": SGD,
    "momentum": MOMENTUM,
    "nesterov": NESTEROV,
    "adagrad": ADAGRAD,
    "rmsprop": RMSPROP,
    "adam": ADAM,
}
# Positions in the ``hyper`` array handed to the kernels.
H_MOMENTUM, H_BETA1, H_BETA2, H_EPSILON, H_RHO, H_L2 = range(6)
N_HYPER = 6


@jit
def _update(p, g, s0, s1, decay, rate, optimizer, momentum, beta1, beta2, eps, rho,
            rest1, rest2, rest_rho, correction1, correction2):
    """One optimizer rule over flat arrays, in their precision.

    One loop per rule, the choice outside it: with the choice inside, no loop was
    vectorised (measured: an Adam step over MNIST's float32 parameters 52 us, now 10 us).
    """
    n = p.shape[0]
    if optimizer == SGD:
        for i in range(n):
            gi = g[i] + decay * p[i]
            g[i] = 0.0
            p[i] -= rate * gi
    elif optimizer == MOMENTUM:
        for i in range(n):
            gi = g[i] + decay * p[i]
            g[i] = 0.0
            s0[i] = momentum * s0[i] + gi
            p[i] -= rate * s0[i]
    elif optimizer == NESTEROV:
        for i in range(n):
            gi = g[i] + decay * p[i]
            g[i] = 0.0
            s0[i] = momentum * s0[i] + gi
            p[i] -= rate * (gi + momentum * s0[i])
    elif optimizer == ADAGRAD:
        for i in range(n):
            gi = g[i] + decay * p[i]
            g[i] = 0.0
            s0[i] += gi * gi
            p[i] -= rate * gi / (np.sqrt(s0[i]) + eps)
    elif optimizer == RMSPROP:
        for i in range(n):
            gi = g[i] + decay * p[i]
            g[i] = 0.0
            s0[i] = rho * s0[i] + rest_rho * gi * gi
            p[i] -= rate * gi / (np.sqrt(s0[i]) + eps)
    else:
        for i in range(n):
            gi = g[i] + decay * p[i]
            g[i] = 0.0
            s0[i] = beta1 * s0[i] + rest1 * gi
            s1[i] = beta2 * s1[i] + rest2 * gi * gi
            p[i] -= rate * (s0[i] / correction1) / (np.sqrt(s1[i] / correction2) + eps)


@jit
def _optimizer_step(P, G, state, step, learning_rate, optimizer, hyper):
    """Apply one update to ``P`` from the mean gradient ``G``, and zero ``G``.

    ``step`` counts updates from 1 (Adam's bias correction). L2 weight decay adds
    ``l2 * w`` to the gradient of the weights, not of the bias (the last row).
    Zeroing ``G`` here, while it is in cache, saves the next batch a pass over it.
    Arithmetic is in the precision of ``P`` (float32 while training).
    """
    real = P.dtype.type
    beta1, beta2, rho = hyper[H_BETA1], hyper[H_BETA2], hyper[H_RHO]
    # Complements in float64 first: 1 - float32(0.999) is 1.3e-5 off in relative terms.
    constants = (real(hyper[H_MOMENTUM]), real(beta1), real(beta2), real(hyper[H_EPSILON]),
                 real(rho), real(1.0 - beta1), real(1.0 - beta2), real(1.0 - rho),
                 real(1.0 - beta1**step), real(1.0 - beta2**step))
    rate = real(learning_rate)
    size = P.size
    weights = size - P.shape[1]  # every row but the bias row, which takes no decay
    p = P.reshape(size)
    g = G.reshape(size)
    s0 = state[0].reshape(size)
    s1 = state[1].reshape(size)
    _update(p[:weights], g[:weights], s0[:weights], s1[:weights], real(hyper[H_L2]), rate,
            optimizer, *constants)
    _update(p[weights:], g[weights:], s0[weights:], s1[weights:], real(0.0), rate,
            optimizer, *constants)


# ------------------------------------------------------------------------ drivers


@jit
def _train_batches(P, G, state, step, indptr, indices, values, levels, labels, n_classes,
                   order, start, stop, batch_size, learning_rates, optimizer, hyper):
    """Run the updates for rows ``order[start:stop]`` in batches of ``batch_size``.

    Serial on purpose: one mini-batch is too little work to split over threads
    (measured: a ``prange`` per batch lost to one thread once the GUI thread was busy).
    """
    bias_row = P.shape[0] - 1
    z = np.empty(P.shape[1], P.dtype)
    # Plain SGD without L2 changes only the weights of the batch's non-zero features:
    # apply each row's share of the step straight to P (after all the batch's forward
    # passes, which must see the parameters from before the step). Exact, and it skips
    # the dense gradient and optimizer passes; at batch size 1 it is what makes SGD fast.
    direct = optimizer == SGD and hyper[H_L2] == 0.0
    deltas = np.empty((min(batch_size, stop - start) if direct else 0, P.shape[1]), P.dtype)
    G[:] = 0.0  # from here on, each optimizer step leaves it zeroed
    u = 0
    for a in range(start, stop, batch_size):
        e = min(a + batch_size, stop)
        rate = learning_rates[u]
        u += 1
        step += 1
        share = 1.0 / (e - a)  # the mean gradient: each row contributes 1/B of it
        for i in range(a, e):
            row = order[i]
            if i + PREFETCH_AHEAD < order.shape[0]:
                _prefetch_row(indptr, indices, values, order[i + PREFETCH_AHEAD])
            _row_logits(P, indices, values, levels, indptr[row], indptr[row + 1], bias_row, z)
            _softmax_delta(z, n_classes, labels[row])
            if direct:
                deltas[i - a] = z
            else:
                _add_outer(G, indices, values, levels, indptr[row], indptr[row + 1], bias_row,
                           z, share)
        if direct:
            for i in range(a, e):
                row = order[i]
                if e - a > PREFETCH_AHEAD and i + PREFETCH_AHEAD < e:
                    _prefetch_row(indptr, indices, values, order[i + PREFETCH_AHEAD])
                _add_outer(P, indices, values, levels, indptr[row], indptr[row + 1], bias_row,
                           deltas[i - a], -rate * share)
        else:
            _optimizer_step(P, G, state, step, rate, optimizer, hyper)
    return step


@jit(parallel=True)
def _gradient_blocks(P, indptr, indices, values, levels, labels, n_classes, row_start, row_stop,
                     block_gradients, block_loss, block_correct):
    n_blocks = block_loss.shape[0]
    bias_row = P.shape[0] - 1
    for b in prange(n_blocks):
        first = row_start + b * BLOCK_ROWS
        last = min(first + BLOCK_ROWS, row_stop)
        G = block_gradients[b]
        G[:] = 0.0
        z = np.empty(P.shape[1], P.dtype)
        loss = 0.0
        correct = 0
        for row in range(first, last):
            _row_logits(P, indices, values, levels, indptr[row], indptr[row + 1], bias_row, z)
            row_loss, hit = _softmax_delta(z, n_classes, labels[row])
            loss += row_loss
            correct += hit
            _add_outer(G, indices, values, levels, indptr[row], indptr[row + 1], bias_row, z, 1.0)
        block_loss[b] = loss
        block_correct[b] = correct


@jit(parallel=True)
def _evaluate_blocks(P, indptr, indices, values, levels, labels, n_classes, row_start, row_stop,
                     block_loss, block_correct, predictions):
    n_blocks = block_loss.shape[0]
    bias_row = P.shape[0] - 1
    keep = predictions.shape[0] > 0
    for b in prange(n_blocks):
        first = row_start + b * BLOCK_ROWS
        last = min(first + BLOCK_ROWS, row_stop)
        z = np.empty(P.shape[1], P.dtype)
        loss = 0.0
        correct = 0
        for row in range(first, last):
            _row_logits(P, indices, values, levels, indptr[row], indptr[row + 1], bias_row, z)
            label = labels[row]
            row_loss, best, _ = _log_softmax_loss(z, n_classes, label)
            loss += row_loss
            correct += best == label
            if keep:
                predictions[row] = best
        block_loss[b] = loss
        block_correct[b] = correct


@jit
def _probabilities(P, indptr, indices, values, levels, n_classes, out):
    bias_row = P.shape[0] - 1
    z = np.empty(P.shape[1], P.dtype)
    for row in range(out.shape[0]):
        _row_logits(P, indices, values, levels, indptr[row], indptr[row + 1], bias_row, z)
        _, _, log_norm = _log_softmax_loss(z, n_classes, 0)
        for k in range(n_classes):
            out[row, k] = np.exp(z[k] - log_norm)


@jit(parallel=True)
def _count_nonzero(X, counts):
    for i in prange(X.shape[0]):
        n = 0
        for j in range(X.shape[1]):
            if X[i, j] != 0:
                n += 1
        counts[i] = n


@jit(parallel=True)
def _row_ranges(X, low, high, bad):
    for i in prange(X.shape[0]):
        lo = np.inf
        hi = -np.inf
        nonfinite = 0
        for j in range(X.shape[1]):
            x = np.float64(X[i, j])
            if not np.isfinite(x):
                nonfinite += 1
            else:
                lo = min(lo, x)
                hi = max(hi, x)
        low[i] = lo
        high[i] = hi
        bad[i] = nonfinite


@jit(parallel=True)
def _rows_fit_levels(X, levels, fits):
    """``fits[i]``: every non-zero of row ``i`` is exactly one of the 255 non-zero levels."""
    for i in prange(X.shape[0]):
        ok = True
        for j in range(X.shape[1]):
            x = X[i, j]
            if x != 0:
                code = np.round(np.float64(x) * 255.0)
                if not 1.0 <= code <= 255.0 or np.float32(x) != levels[np.int64(code)]:
                    ok = False
                    break
        fits[i] = ok


@jit(parallel=True)
def _fill_sparse(X, scale, indptr, indices, values, levels):
    coded = levels.shape[0] > 0
    for i in prange(X.shape[0]):
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


# ------------------------------------------------------------------ public layer


def _check_params(P, n_features=None, name="P"):
    if not isinstance(P, np.ndarray) or P.dtype not in PARAMETER_DTYPES or P.ndim != 2:
        raise TypeError(f"{name} must be a 2-D float32 or float64 array; use Model.packed")
    if not P.flags.c_contiguous:
        raise ValueError(f"{name} must be C-contiguous; pass np.ascontiguousarray({name})")
    if P.shape[1] % LANES:
        raise ValueError(f"{name} has {P.shape[1]} columns; pad them to a multiple of {LANES}")
    if n_features is not None and P.shape[0] != n_features + 1:
        raise ValueError(
            f"{name} has weights for {P.shape[0] - 1} features but the data has {n_features}"
        )


def _check_scratch(P, G, state):
    if G.shape != P.shape or state.shape != (2,) + P.shape:
        raise ValueError("G must have the shape of P and state the shape (2,) + P.shape")
    if G.dtype != P.dtype or state.dtype != P.dtype:
        raise TypeError(f"G and state must be {P.dtype} like P, got {G.dtype} and {state.dtype}")


def _check_rows(rows, labels, n_classes, P):
    if not isinstance(rows, SparseRows):
        raise TypeError("rows must be SparseRows; build them with sparse_rows(X)")
    _check_params(P, rows.n_features)
    if labels.dtype != np.int32 or labels.shape != (rows.n_rows,):
        raise ValueError(f"labels must be int32 of shape ({rows.n_rows},)")
    if not 2 <= n_classes <= P.shape[1]:
        raise ValueError(f"n_classes must be in 2..{P.shape[1]}, got {n_classes}")


def value_range(X):
    """One parallel pass over a 2-D float array: (minimum, maximum, first row with NaN/inf or -1).

    Replaces three numpy passes (``isfinite``, ``min``, ``max``) when checking data files.
    """
    X = np.ascontiguousarray(X)
    if X.ndim != 2 or X.shape[0] == 0:
        raise ValueError(f"X must be 2-D with rows, got shape {X.shape}")
    low = np.empty(X.shape[0])
    high = np.empty(X.shape[0])
    bad = np.empty(X.shape[0], dtype=np.int64)
    with PARALLEL_LOCK:
        _row_ranges(X, low, high, bad)
    rows = np.flatnonzero(bad)
    return float(low.min()), float(high.max()), int(rows[0]) if rows.size else -1


def sparse_rows(X):
    """Convert a dense data matrix to :class:`SparseRows`.

    Parameters
    ----------
    X : ndarray, shape (n_rows, n_features)
        Floating-point values (kept as float32) or uint8 pixels 0..255 (scaled to
        [0, 1] by 1/255). Either way, values that are all k/255 are stored as uint8
        codes; :meth:`SparseRows.dense` gives back the same float32 values.

    Returns
    -------
    SparseRows
    """
    X = np.asarray(X)
    if X.ndim != 2:
        raise ValueError(f"X must be 2-D (rows, features), got shape {X.shape}")
    if X.dtype == np.uint8:
        scale = 1.0 / 255.0
    elif np.issubdtype(X.dtype, np.floating):
        scale = 1.0
    else:
        raise TypeError(f"X must be floating point or uint8, got {X.dtype}")
    X = np.ascontiguousarray(X)
    counts = np.empty(X.shape[0], dtype=np.int64)
    coded = X.dtype == np.uint8
    with PARALLEL_LOCK:
        _count_nonzero(X, counts)
        if not coded:
            fits = np.empty(X.shape[0], dtype=np.bool_)
            _rows_fit_levels(X, LEVELS_8BIT, fits)
            coded = bool(fits.all())
    indptr = np.zeros(X.shape[0] + 1, dtype=np.int64)
    np.cumsum(counts, out=indptr[1:])
    indices = np.empty(indptr[-1], dtype=np.uint16 if X.shape[1] <= 1 << 16 else np.int32)
    values = np.empty(indptr[-1], dtype=np.uint8 if coded else np.float32)
    levels = LEVELS_8BIT if coded else _NO_LEVELS
    with PARALLEL_LOCK:
        _fill_sparse(X, scale, indptr, indices, values, levels)
    return SparseRows(indptr, indices, values, levels, X.shape[1])


def train_batches(P, G, state, step, rows, labels, n_classes, order, start, stop,
                  batch_size, learning_rates, optimizer, hyper):
    """Run the updates for the rows ``order[start:stop]``, in place.

    Parameters
    ----------
    P : ndarray of float32 or float64, shape (d + 1, Kp)
        Parameters, updated in place.
    G : ndarray, same shape and dtype as ``P``
        Scratch space for the gradient (left zeroed).
    state : ndarray, shape (2, d + 1, Kp), dtype of ``P``
        Optimizer state (velocity, or first and second moments), updated in place.
    step : int
        Updates done so far.
    rows, labels, n_classes
        The training data.
    order : ndarray of int64
        Row visiting order of the epoch (a permutation, or ``arange`` unshuffled).
    start, stop : int
        Positions in ``order``; ``start`` must fall on a batch boundary.
    batch_size : int
    learning_rates : ndarray of float64
        One learning rate per update in this range.
    optimizer : int
        One of :data:`OPTIMIZER_CODES`.
    hyper : ndarray of float64, shape (N_HYPER,)

    Returns
    -------
    int
        Updates done after this call.
    """
    _check_rows(rows, labels, n_classes, P)
    _check_scratch(P, G, state)
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}")
    n_updates = -(-(stop - start) // batch_size)
    if learning_rates.shape != (n_updates,):
        raise ValueError(f"need {n_updates} learning rates, got {learning_rates.shape}")
    if not 0 <= start <= stop <= order.shape[0]:
        raise ValueError(f"start={start}, stop={stop} outside the order of {order.shape[0]} rows")
    return _train_batches(P, G, state, step, rows.indptr, rows.indices, rows.values,
                          rows.levels, labels, n_classes, order, start, stop, batch_size,
                          learning_rates, optimizer, hyper)


def optimizer_step(P, G, state, step, learning_rate, optimizer, hyper):
    """Apply one optimizer update to ``P`` from the mean gradient ``G``, in place.

    ``G`` is zeroed (ready to accumulate the next gradient).
    """
    _check_params(P)
    _check_scratch(P, G, state)
    if step < 1:
        raise ValueError("step counts updates from 1")
    _optimizer_step(P, G, state, step, learning_rate, optimizer, hyper)


def _blocks(row_start, row_stop):
    return -(-(row_stop - row_start) // BLOCK_ROWS)


def gradient_sum(P, rows, labels, n_classes, row_start, row_stop, out=None, scratch=None):
    """Summed (not mean) gradient, loss and hits over rows ``row_start:row_stop``.

    Work is split in blocks of :data:`BLOCK_ROWS` rows over threads; block sums are
    added in block order, so the result is bit-for-bit the same for any thread count
    and for any split of a range into calls that start on block boundaries.

    Returns
    -------
    (ndarray, float, int)
        The gradient sum (``out`` if given, accumulated into), loss sum and number of
        correctly classified rows.
    """
    _check_rows(rows, labels, n_classes, P)
    n_blocks = _blocks(row_start, row_stop)
    if out is None:
        out = np.zeros_like(P)
    if scratch is None or scratch.shape[0] < n_blocks:
        scratch = np.empty((n_blocks,) + P.shape, P.dtype)
    if out.shape != P.shape or scratch.shape[1:] != P.shape:
        raise ValueError("out must have the shape of P, and scratch the shape (blocks,) + P.shape")
    if out.dtype != P.dtype or scratch.dtype != P.dtype:
        raise TypeError(f"out and scratch must be {P.dtype} like P")
    block_loss = np.empty(n_blocks)
    block_correct = np.empty(n_blocks, dtype=np.int64)
    with PARALLEL_LOCK:
        _gradient_blocks(P, rows.indptr, rows.indices, rows.values, rows.levels, labels,
                         n_classes, row_start, row_stop, scratch[:n_blocks], block_loss,
                         block_correct)
    loss = 0.0
    for b in range(n_blocks):
        out += scratch[b]
        loss += block_loss[b]
    return out, loss, int(block_correct.sum())


def evaluate_sums(P, rows, labels, n_classes, row_start=0, row_stop=None, predictions=None,
                  loss_start=0.0):
    """Loss sum and number of correct predictions over rows ``row_start:row_stop``.

    Parameters
    ----------
    loss_start : float
        Added to, block by block in order: a range evaluated in several calls that start
        on block boundaries gives the same sum, to the bit, as one call.
    predictions : ndarray of int32, shape (n_rows,), optional
        When given, the predicted class of each row in the range is written there.

    Returns
    -------
    (float, int)
    """
    _check_rows(rows, labels, n_classes, P)
    row_stop = rows.n_rows if row_stop is None else row_stop
    n_blocks = _blocks(row_start, row_stop)
    block_loss = np.empty(n_blocks)
    block_correct = np.empty(n_blocks, dtype=np.int64)
    if predictions is None:
        predictions = np.empty(0, dtype=np.int32)
    elif predictions.dtype != np.int32 or predictions.shape != (rows.n_rows,):
        raise ValueError(f"predictions must be int32 of shape ({rows.n_rows},)")
    with PARALLEL_LOCK:
        _evaluate_blocks(P, rows.indptr, rows.indices, rows.values, rows.levels, labels,
                         n_classes, row_start, row_stop, block_loss, block_correct, predictions)
    loss = loss_start
    for b in range(n_blocks):
        loss += block_loss[b]
    return loss, int(block_correct.sum())


def probabilities(P, X, n_classes):
    """Class probabilities for the rows of a dense matrix ``X`` (serial, no lock).

    Meant for a handful of rows (a drawn digit, a few image files): it never waits for
    a parallel kernel that a training thread may be running.
    """
    X = np.asarray(X)
    if X.ndim == 1:
        X = X[None, :]
    _check_params(P, X.shape[1] if X.ndim == 2 else None)
    rows = _sparse_rows_serial(X)
    out = np.empty((X.shape[0], n_classes))
    _probabilities(P, rows.indptr, rows.indices, rows.values, rows.levels, n_classes, out)
    return out


def _sparse_rows_serial(X):
    X = np.ascontiguousarray(X, dtype=np.float32)
    mask = X != 0
    indptr = np.zeros(X.shape[0] + 1, dtype=np.int64)
    np.cumsum(mask.sum(axis=1), out=indptr[1:])
    indices = np.nonzero(mask)[1].astype(np.int32)
    return SparseRows(indptr, indices, X[mask], _NO_LEVELS, X.shape[1])


_warm = False


def warm_up(force=False):
    """Compile (or load from the on-disk cache) every kernel with the types training uses.

    Called before a run's clock starts, so that ``train_seconds`` never includes
    compilation. Cheap after the first call in a process; ``force`` runs the kernels
    again anyway, to set up the calling thread's parallel workers.
    """
    global _warm
    if _warm and not force:
        return
    X = np.array([[0.0, 0.5], [1.0, 0.0], [0.25, 0.75]], dtype=np.float32)
    pixels = np.round(X * 255).astype(np.uint8)
    # Both layouts: compact (8-bit images such as MNIST, from uint8 or float files)
    # and float32 values (any other data).
    layouts = [sparse_rows(X), sparse_rows(pixels)]
    for dense in (X.astype(np.float64), pixels / np.float32(255), pixels / 255.0):
        sparse_rows(dense)
    labels = np.array([0, 1, 1], dtype=np.int32)
    hyper = np.zeros(N_HYPER)
    order = np.arange(3, dtype=np.int64)
    for rows in layouts:
        # Training runs in TRAINING_DTYPE; evaluations and predictions in float64.
        P = np.zeros((3, LANES), TRAINING_DTYPE)
        G = np.zeros_like(P)
        state = np.zeros((2,) + P.shape, P.dtype)
        train_batches(P, G, state, 0, rows, labels, 2, order, 0, 3, 2, np.full(2, 0.1), SGD,
                      hyper)
        optimizer_step(P, G, state, 1, 0.1, SGD, hyper)
        gradient_sum(P, rows, labels, 2, 0, 3)
        P = P.astype(np.float64)
        evaluate_sums(P, rows, labels, 2, predictions=np.empty(3, dtype=np.int32))
        evaluate_sums(P, rows, labels, 2)
    probabilities(P, X, 2)
    _warm = True
