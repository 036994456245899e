"""Serial cores for one row: logits, loss, the softmax gradient, the sparse outer product.

``P`` is float32 or float64 and the cores compute in its precision; losses are always
returned in float64.
"""

import numpy as np
from numba.extending import overload

from .config import jit
from .layout import value
from .llvm import LANES, WIDE_LANES, lane_buffer, prefetch, wide_buffer


# Up to 16 classes (MNIST's 10), ``P`` is (d + 1, 16) and the lane cores keep a row's 16
# sums in registers (a stack buffer) while they run over the row's non-zeros. More
# classes take the wide cores, 64 classes a pass: the kernels then see ``P`` as
# (d + 1, groups, 64), so a row's non-zeros are read once per 64 classes (measured at
# K = 100: an epoch 6x the K = 10 one, where 16-lane passes over column views took 18x).
# Which cores a kernel uses is decided by P's number of dimensions when it is compiled:
# the 16-class code carries no wide branch. Unsigned indices: no negative-index
# wraparound code per non-zero.


@jit(exact=True)
def _row_logits_lanes(P, indices, values, levels, start, stop, bias_row, z):
    acc = lane_buffer(P.dtype)
    for k in range(LANES):
        acc[k] = P[bias_row, k]
    for q in range(stop - start):
        p = np.uint64(start + q)
        j = np.uint64(indices[p])
        v = P.dtype.type(value(values, levels, p))
        for k in range(LANES):
            acc[k] += v * P[j, k]
    for k in range(LANES):
        z[k] = acc[k]


@jit(exact=True)
def _row_logits_wide(P, group, indices, values, levels, start, stop, bias_row, z):
    acc = wide_buffer(P.dtype)
    for k in range(WIDE_LANES):
        acc[k] = P[bias_row, group, k]
    for q in range(stop - start):
        p = np.uint64(start + q)
        j = np.uint64(indices[p])
        v = P.dtype.type(value(values, levels, p))
        for k in range(WIDE_LANES):
            acc[k] += v * P[j, group, k]
    col = group * WIDE_LANES
    for k in range(WIDE_LANES):
        z[col + k] = acc[k]


@jit(exact=True)
def _add_outer_lanes(M, indices, values, levels, start, stop, bias_row, delta, scale):
    step = lane_buffer(M.dtype)
    for k in range(LANES):
        step[k] = scale * delta[k]
    for q in range(stop - start):
        p = np.uint64(start + q)
        j = np.uint64(indices[p])
        v = M.dtype.type(value(values, levels, p))
        for k in range(LANES):
            M[j, k] += v * step[k]
    for k in range(LANES):
        M[bias_row, k] += step[k]


@jit(exact=True)
def _add_outer_wide(M, group, indices, values, levels, start, stop, bias_row, delta, scale):
    step = wide_buffer(M.dtype)
    col = group * WIDE_LANES
    for k in range(WIDE_LANES):
        step[k] = scale * delta[col + k]
    for q in range(stop - start):
        p = np.uint64(start + q)
        j = np.uint64(indices[p])
        v = M.dtype.type(value(values, levels, p))
        for k in range(WIDE_LANES):
            M[j, group, k] += v * step[k]
    for k in range(WIDE_LANES):
        M[bias_row, group, k] += step[k]


def row_logits(P, indices, values, levels, start, stop, bias_row, z):
    """``z = x P`` for the row stored at ``start:stop`` (bias included)."""
    if P.ndim == 2:
        _row_logits_lanes(P, indices, values, levels, start, stop, bias_row, z)
    else:
        for group in range(P.shape[1]):
            _row_logits_wide(P, group, indices, values, levels, start, stop, bias_row, z)


def add_outer(M, indices, values, levels, start, stop, bias_row, delta, scale):
    """``M[j] += scale * x_j * delta`` for the row's non-zeros, and ``M[bias] += scale * delta``.

    With ``M`` the gradient and ``scale`` 1 this accumulates a row's gradient; with ``M``
    the parameters and ``scale = -learning_rate`` it is the sparse SGD update.
    """
    if M.ndim == 2:
        _add_outer_lanes(M, indices, values, levels, start, stop, bias_row, delta, scale)
    else:
        for group in range(M.shape[1]):
            _add_outer_wide(M, group, indices, values, levels, start, stop, bias_row, delta, scale)


# Compiled, the choice is made by type (above, it is made by value: the same code serves
# NUMBA_DISABLE_JIT). Inlined at numba's level (the lane cores, compiled exact, are
# then inlined by LLVM with their own flags): a call that passes arrays
# costs atomic reference-count updates, several per row.


@overload(row_logits, inline="always")
def _row_logits_compiled(P, indices, values, levels, start, stop, bias_row, z):
    if P.ndim == 2:
        return lambda P, indices, values, levels, start, stop, bias_row, z: _row_logits_lanes(
            P, indices, values, levels, start, stop, bias_row, z)

    def wide(P, indices, values, levels, start, stop, bias_row, z):
        for group in range(P.shape[1]):
            _row_logits_wide(P, group, indices, values, levels, start, stop, bias_row, z)
    return wide


@overload(add_outer, inline="always")
def _add_outer_compiled(M, indices, values, levels, start, stop, bias_row, delta, scale):
    if M.ndim == 2:
        return lambda M, indices, values, levels, start, stop, bias_row, delta, scale: _add_outer_lanes(
            M, indices, values, levels, start, stop, bias_row, delta, scale)

    def wide(M, indices, values, levels, start, stop, bias_row, delta, scale):
        for group in range(M.shape[1]):
            _add_outer_wide(M, group, indices, values, levels, start, stop, bias_row, delta, scale)
    return wide


@jit(inline=True)
def columns(P):
    """Columns of ``P`` (classes, with padding), whichever way the kernels see it."""
    return P.size // P.shape[0]


@jit(inline=True)
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
def log_softmax_loss(z, n_classes, label):
    """Cross-entropy of logits ``z`` for ``label``: (loss, predicted class, log normaliser).

    Loss is ``logsumexp(z) - z[label]`` in nats, exact (no epsilon), returned in float64
    whatever the precision of ``z``, and computed as ``log(sum(exp(z - top))) - (z[label]
    - top)``: adding ``top`` first would absorb the sum's logarithm when logits are huge
    (weights of 3e38 reported a loss of 0). A NaN or inf logit makes the loss NaN, which
    is how divergence shows.
    """
    best, top = _top(z, n_classes)
    total = 0.0
    for k in range(n_classes):
        total += np.exp(z[k] - top)
    log_sum = np.log(total)
    return log_sum - (np.float64(z[label]) - np.float64(top)), best, top + log_sum


#: Smaller probabilities count as 0 in gradients. They could not change a parameter
#: (float32 keeps 24 bits), but once logits spread by more than 87 they are subnormal
#: float32 numbers, and every operation on one costs the CPU a microcode assist
#: (measured: a batch-1 epoch at a learning rate of 0.5 ran 4x slower). Losses are
#: unaffected: they come from the sum of the exponentials, which is at least 1.
TINY_PROBABILITY = 2.0**-100


@jit(inline=True)
def softmax_delta(z, n_classes, label):
    """Turn logits into ``softmax(z) - onehot(label)`` in place (padding set to 0).

    Returns (loss, correct), with one ``exp`` per class (scalar libm calls are a large
    share of a training epoch). Probabilities below :data:`TINY_PROBABILITY` become 0.
    Inlined, so that no call per row passes arrays (each such call updates reference
    counts atomically), and compiled with its caller's flags.
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
    return np.log(total) - (label_logit - np.float64(top)), best == label


#: How many rows ahead the shuffled training loop prefetches (rows are ~1.2 KB apart
#: in memory at random; measured: shuffled order cost 35 ms an epoch without it).
PREFETCH_AHEAD = 4


@jit(inline=True)
def prefetch_row(indptr, indices, values, row):
    """Bring a row's indices and values towards the cache, a cache line at a time."""
    for p in range(indptr[row], indptr[row + 1], 64 // indices.itemsize):
        prefetch(indices, p)
    for p in range(indptr[row], indptr[row + 1], 64 // values.itemsize):
        prefetch(values, p)
