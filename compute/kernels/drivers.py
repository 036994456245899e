"""Drivers: the loops over rows and batches that call the cores.

Parallel drivers split rows in fixed blocks of :data:`BLOCK_ROWS`, give each block its
own output slot and leave the reduction, in block order, to the caller: a result never
depends on how many threads ran it.
"""

import numpy as np
from numba import prange

from .config import jit
from .cores import (PREFETCH_AHEAD, add_outer, columns, log_softmax_loss, prefetch_row,
                    row_logits, softmax_delta)
from .layout import value
from .llvm import LANES, lane_buffer
from .optimizers import L2, SGD, optimizer_step

#: Rows per block in the parallel kernels: the unit of determinism and of work split.
BLOCK_ROWS = 2048


@jit(exact=True)
def train_batches(P, G, state, step, indptr, indices, values, levels, labels, n_classes,
                  order, batch_size, learning_rates, optimizer, settings):
    """Run the updates for rows ``order`` in batches of ``batch_size``; return the step count.

    Serial on purpose: one mini-batch is too little work to split over threads
    (measured: a ``prange`` per batch lost to one thread once the GUI thread was busy).
    """
    bias_row = P.shape[0] - 1
    z = np.empty(columns(P), P.dtype)
    stop = order.shape[0]
    # Plain SGD without L2 changes only the weights of the batch's non-zero features:
    # apply each row's share of the step straight to P (after all the batch's forward
    # passes, which must see the parameters from before the step). Exact, and it skips
    # the dense gradient and optimizer passes; at batch size 1 it is what makes SGD fast.
    direct = optimizer == SGD and settings[L2] == 0.0
    deltas = np.empty((min(batch_size, stop) if direct else 0, columns(P)), P.dtype)
    G[:] = 0.0  # from here on, each optimizer step leaves it zeroed
    u = 0
    for a in range(0, stop, batch_size):
        e = min(a + batch_size, stop)
        rate = learning_rates[u]
        u += 1
        step += 1
        share = 1.0 / (e - a)  # the mean gradient: each row contributes 1/B of it
        for i in range(a, e):
            row = order[i]
            if i + PREFETCH_AHEAD < stop:
                prefetch_row(indptr, indices, values, order[i + PREFETCH_AHEAD])
            # Direct steps keep each row's delta for later, so it is computed in place
            # there (this also spares numba typing a slice copy, which took a third of
            # this kernel's first-start compile time).
            delta = deltas[i - a] if direct else z
            row_logits(P, indices, values, levels, indptr[row], indptr[row + 1], bias_row, delta)
            softmax_delta(delta, n_classes, labels[row])
            if not direct:
                add_outer(G, indices, values, levels, indptr[row], indptr[row + 1], bias_row,
                          z, share)
        if direct:
            for i in range(a, e):
                row = order[i]
                if e - a > PREFETCH_AHEAD and i + PREFETCH_AHEAD < e:
                    prefetch_row(indptr, indices, values, order[i + PREFETCH_AHEAD])
                add_outer(P, indices, values, levels, indptr[row], indptr[row + 1], bias_row,
                          deltas[i - a], -rate * share)
        else:
            optimizer_step(P, G, state, step, rate, optimizer, settings)
    return step


@jit(parallel=True)
def gradient_blocks(P, indptr, indices, values, levels, labels, n_classes, row_start, row_stop,
                    block_gradients, block_loss, block_correct):
    """Each block's summed gradient, loss and hits, into its own slot."""
    n_blocks = block_loss.shape[0]
    bias_row = P.shape[0] - 1
    for b in prange(n_blocks):
        first = row_start + b * BLOCK_ROWS
        last = min(first + BLOCK_ROWS, row_stop)
        G = block_gradients[b]
        G[:] = 0.0
        z = np.empty(columns(P), P.dtype)
        loss = 0.0
        correct = 0
        for row in range(first, last):
            row_logits(P, indices, values, levels, indptr[row], indptr[row + 1], bias_row, z)
            row_loss, hit = softmax_delta(z, n_classes, labels[row])
            loss += row_loss
            correct += hit
            add_outer(G, indices, values, levels, indptr[row], indptr[row + 1], bias_row, z, 1.0)
        block_loss[b] = loss
        block_correct[b] = correct


@jit(parallel=True)
def evaluate_blocks(P, indptr, indices, values, levels, labels, n_classes, row_start, row_stop,
                    block_loss, block_correct, predictions):
    """Each block's loss and hits into its own slot; predictions too when ``predictions`` has rows."""
    n_blocks = block_loss.shape[0]
    bias_row = P.shape[0] - 1
    keep = predictions.shape[0] > 0
    for b in prange(n_blocks):
        first = row_start + b * BLOCK_ROWS
        last = min(first + BLOCK_ROWS, row_stop)
        z = np.empty(columns(P), P.dtype)
        loss = 0.0
        correct = 0
        for row in range(first, last):
            row_logits(P, indices, values, levels, indptr[row], indptr[row + 1], bias_row, z)
            label = labels[row]
            row_loss, best, _ = log_softmax_loss(z, n_classes, label)
            loss += row_loss
            correct += best == label
            if keep:
                predictions[row] = best
        block_loss[b] = loss
        block_correct[b] = correct


@jit
def probabilities(P, indptr, indices, values, levels, n_classes, out):
    """Class probabilities of every row, serially."""
    bias_row = P.shape[0] - 1
    z = np.empty(columns(P), P.dtype)
    for row in range(out.shape[0]):
        row_logits(P, indices, values, levels, indptr[row], indptr[row + 1], bias_row, z)
        _, _, log_norm = log_softmax_loss(z, n_classes, 0)
        for k in range(n_classes):
            out[row, k] = np.exp(z[k] - log_norm)


# ------------------------------------------------------------------------ sweeps
#
# A sweep trains several models over the same rows. Their classes are packed side by
# side into one parameter array per pack, (d + 1, PACK_LANES): model r of a pack owns
# columns r * K to r * K + K - 1 (K classes). With MNIST's 10 classes four models fill
# 40 of 48 columns, three SIMD registers, where four separate (d + 1, 16) arrays took
# four; a row's non-zeros are read once for the whole pack, forward and backward.
# Measured (one thread, a batch-100 epoch of MNIST): four models 58 ms packed, 78-96 ms
# as four arrays read in one pass, against 23-29 ms for one model alone.
#
# Each model's arithmetic is that of train_batches in the same order (kernels with
# exact=True: no fused or reordered operations), so every model ends bit for bit as it
# would alone; which models share a pack does not matter.

#: Columns of a pack: three lane groups.
PACK_LANES = 3 * LANES


@jit(exact=True, inline=True)
def _row_logits_packed(Q, indices, values, levels, start, stop, bias_row, z):
    """``z = x Q`` for a pack (the one-model core over three lane groups at once)."""
    a0 = lane_buffer(Q.dtype)
    a1 = lane_buffer(Q.dtype)
    a2 = lane_buffer(Q.dtype)
    for k in range(LANES):
        a0[k] = Q[bias_row, k]
        a1[k] = Q[bias_row, LANES + k]
        a2[k] = Q[bias_row, 2 * LANES + k]
    for q in range(stop - start):
        p = np.uint64(start + q)
        j = np.uint64(indices[p])
        v = Q.dtype.type(value(values, levels, p))
        for k in range(LANES):
            a0[k] += v * Q[j, k]
            a1[k] += v * Q[j, LANES + k]
            a2[k] += v * Q[j, 2 * LANES + k]
    for k in range(LANES):
        z[k] = a0[k]
    for k in range(LANES):
        z[LANES + k] = a1[k]
    for k in range(LANES):
        z[2 * LANES + k] = a2[k]


@jit(exact=True, inline=True)
def _add_outer_packed(T, indices, values, levels, start, stop, bias_row, step):
    """``T[j] += x_j * step`` for the row's non-zeros and ``T[bias] += step``, for a pack
    (``step`` already holds each model's scale, as the one-model core's does)."""
    s0 = lane_buffer(T.dtype)
    s1 = lane_buffer(T.dtype)
    s2 = lane_buffer(T.dtype)
    for k in range(LANES):
        s0[k] = step[k]
        s1[k] = step[LANES + k]
        s2[k] = step[2 * LANES + k]
    for q in range(stop - start):
        p = np.uint64(start + q)
        j = np.uint64(indices[p])
        v = T.dtype.type(value(values, levels, p))
        for k in range(LANES):
            T[j, k] += v * s0[k]
        for k in range(LANES):
            T[j, LANES + k] += v * s1[k]
        for k in range(LANES):
            T[j, 2 * LANES + k] += v * s2[k]
    for k in range(LANES):
        T[bias_row, k] += s0[k]
    for k in range(LANES):
        T[bias_row, LANES + k] += s1[k]
    for k in range(LANES):
        T[bias_row, 2 * LANES + k] += s2[k]


@jit(exact=True)
def _move_columns(A, B, column, n_classes, to_pack):
    """Copy one model's ``n_classes`` columns between its own array ``A`` (d + 1, 16)
    and a pack ``B`` (d + 1, PACK_LANES) from ``column``: into the pack, or out of it."""
    if to_pack:
        for j in range(A.shape[0]):
            for k in range(n_classes):
                B[j, column + k] = A[j, k]
    else:
        for j in range(A.shape[0]):
            for k in range(n_classes):
                A[j, k] = B[j, column + k]


@jit(exact=True)
def _train_pack(Ps, Gs, states, steps, members, indptr, indices, values, levels, labels,
                n_classes, order, batch_size, learning_rates, optimizers, settings, direct):
    """:func:`train_batches` for the models ``members`` of ``Ps``, packed side by side.

    Plain SGD without L2 (``direct``: the whole pack or none of it) steps ``Q`` itself
    after each batch's forward passes, as train_batches does. Other rules gather the
    batch's gradient in a pack too, then take each model's own optimizer step on its
    own arrays.
    """
    n = members.shape[0]
    bias_row = Ps.shape[1] - 1
    Q = np.zeros((Ps.shape[1], PACK_LANES), Ps.dtype)  # the parameters' pack
    Z = np.empty((min(batch_size, order.shape[0]), PACK_LANES), Ps.dtype)  # logits, steps
    z = np.empty(LANES, Ps.dtype)  # one model's logits
    for r in range(n):
        _move_columns(Ps[members[r]], Q, r * n_classes, n_classes, True)
    G = np.zeros((0 if direct else Q.shape[0], PACK_LANES), Q.dtype)  # the gradient's pack
    T = Q if direct else G
    for r in range(n):
        Gs[members[r]][:] = 0.0
    used = n * n_classes
    stop = order.shape[0]
    u = 0
    for a in range(0, stop, batch_size):
        e = min(a + batch_size, stop)
        share = 1.0 / (e - a)
        for r in range(n):
            steps[members[r]] += 1
        for i in range(a, e):
            row = order[i]
            if i + PREFETCH_AHEAD < stop:
                prefetch_row(indptr, indices, values, order[i + PREFETCH_AHEAD])
            delta = Z[i - a]
            _row_logits_packed(Q, indices, values, levels, indptr[row], indptr[row + 1],
                               bias_row, delta)
            for r in range(n):
                m = members[r]
                column = r * n_classes
                for k in range(LANES):
                    z[k] = delta[column + k] if k < n_classes else 0.0
                softmax_delta(z, n_classes, labels[row])
                scale = -learning_rates[m, u] * share if direct else share
                for k in range(n_classes):
                    delta[column + k] = scale * z[k]
            for k in range(used, PACK_LANES):
                delta[k] = 0.0
        for i in range(a, e):
            row = order[i]
            if e - a > PREFETCH_AHEAD and i + PREFETCH_AHEAD < e:
                prefetch_row(indptr, indices, values, order[i + PREFETCH_AHEAD])
            _add_outer_packed(T, indices, values, levels, indptr[row], indptr[row + 1],
                              bias_row, Z[i - a])
        if not direct:
            for r in range(n):
                m = members[r]
                _move_columns(Gs[m], G, r * n_classes, n_classes, False)
                optimizer_step(Ps[m], Gs[m], states[m], steps[m], learning_rates[m, u],
                               optimizers[m], settings[m])
                _move_columns(Ps[m], Q, r * n_classes, n_classes, True)
            G[:] = 0.0
        u += 1
    if direct:
        for r in range(n):
            _move_columns(Ps[members[r]], Q, r * n_classes, n_classes, False)


@jit(parallel=True)
def train_sweep(Ps, Gs, states, steps, indptr, indices, values, levels, labels, n_classes,
                order, batch_size, learning_rates, optimizers, settings, packs, direct):
    """:func:`train_batches` for every model of ``Ps`` (M, d + 1, 16) over the same rows,
    a pack of models a pass over each row, the packs split over threads.

    ``packs`` (n_packs, most) lists each pack's models (padded with -1), all direct
    or none (``direct``, per pack). ``learning_rates`` (M, updates), ``optimizers``
    (M,) and ``settings`` (M, S) are each model's; ``steps`` (M,) their update counts,
    advanced in place.
    """
    for g in prange(packs.shape[0]):
        n = 0
        while n < packs.shape[1] and packs[g, n] >= 0:
            n += 1
        _train_pack(Ps, Gs, states, steps, packs[g, :n], indptr, indices, values, levels,
                    labels, n_classes, order, batch_size, learning_rates, optimizers, settings,
                    direct[g])


@jit(parallel=True)
def train_sweep_each(Ps, Gs, states, steps, indptr, indices, values, levels, labels, n_classes,
                     order, batch_size, learning_rates, optimizers, settings):
    """:func:`train_sweep` for models with more than 16 classes: each model its own
    passes (the wide cores keep 64 classes' sums in registers already), split over threads."""
    for m in prange(Ps.shape[0]):
        steps[m] = train_batches(Ps[m], Gs[m], states[m], steps[m], indptr, indices, values,
                                 levels, labels, n_classes, order, batch_size,
                                 learning_rates[m], optimizers[m], settings[m])
