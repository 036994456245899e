"""Drivers: the loops over rows and batches that call the cores.

Parallel drivers split rows in fixed blocks of :data:`BLOCK_ROWS`, give each block its
own output slot and leave the reduction, in block order, to the caller: a result never
depends on how many threads ran it.
"""

import numpy as np
from numba import prange

from .._jit import jit
from .cores import (PREFETCH_AHEAD, add_outer, columns, log_softmax_loss, prefetch_row,
                    row_logits, softmax_delta)
from .layout import value
from .llvm import LANES, lane_buffer
from .optimizers import L2, SGD, optimizer_step

#: Rows per block in the parallel kernels: the unit of determinism and of work split.
BLOCK_ROWS = 2048


@jit
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

#: Models that share one pass over a row in a sweep. Alone, a row's logits are a chain
#: of dependent multiply-adds (each waits for the one before); four models' chains
#: interleave, so the CPU does four models' sums in about the time of one.
SWEEP_GROUP = 4


@jit(reassociate=False)
def _row_logits_four(Ps, m0, m1, m2, m3, indices, values, levels, start, stop, bias_row,
                     z0, z1, z2, z3):
    """``z_r = x P[m_r]`` for four models at once: per model, exactly the operations of
    the one-model core in the same order (so the same bits)."""
    a0 = lane_buffer(Ps.dtype)
    a1 = lane_buffer(Ps.dtype)
    a2 = lane_buffer(Ps.dtype)
    a3 = lane_buffer(Ps.dtype)
    for k in range(LANES):
        a0[k] = Ps[m0, bias_row, k]
        a1[k] = Ps[m1, bias_row, k]
        a2[k] = Ps[m2, bias_row, k]
        a3[k] = Ps[m3, bias_row, k]
    for q in range(stop - start):
        p = np.uint64(start + q)
        j = np.uint64(indices[p])
        v = Ps.dtype.type(value(values, levels, p))
        for k in range(LANES):
            a0[k] += v * Ps[m0, j, k]
            a1[k] += v * Ps[m1, j, k]
            a2[k] += v * Ps[m2, j, k]
            a3[k] += v * Ps[m3, j, k]
    for k in range(LANES):
        z0[k] = a0[k]
        z1[k] = a1[k]
        z2[k] = a2[k]
        z3[k] = a3[k]


@jit
def _sweep_group(Ps, Gs, states, steps, models, n_models, indptr, indices, values, levels,
                 labels, n_classes, order, batch_size, learning_rates, optimizers, settings,
                 direct, deltas, z):
    """:func:`train_batches` for up to four models (``models``, padded with repeats of
    the last) over the same rows: one forward pass over each row for all of them.

    Each model's arithmetic is that of :func:`train_batches` in the same order; only the
    forward passes are shared (a padded slot's logits go to scratch and are dropped).
    """
    bias_row = Ps.shape[1] - 1
    stop = order.shape[0]
    for r in range(n_models):
        Gs[models[r]][:] = 0.0
    u = 0
    for a in range(0, stop, batch_size):
        e = min(a + batch_size, stop)
        share = 1.0 / (e - a)
        for r in range(n_models):
            steps[models[r]] += 1
        for i in range(a, e):
            row = order[i]
            if i + PREFETCH_AHEAD < stop:
                prefetch_row(indptr, indices, values, order[i + PREFETCH_AHEAD])
            start, end = indptr[row], indptr[row + 1]
            out0 = deltas[0, i - a] if direct[models[0]] and n_models > 0 else z[0]
            out1 = deltas[1, i - a] if direct[models[1]] and n_models > 1 else z[1]
            out2 = deltas[2, i - a] if direct[models[2]] and n_models > 2 else z[2]
            out3 = deltas[3, i - a] if direct[models[3]] and n_models > 3 else z[3]
            _row_logits_four(Ps, models[0], models[1], models[2], models[3], indices, values,
                             levels, start, end, bias_row, out0, out1, out2, out3)
            for r in range(n_models):
                m = models[r]
                delta = deltas[r, i - a] if direct[m] else z[r]
                softmax_delta(delta, n_classes, labels[row])
                if not direct[m]:
                    add_outer(Gs[m], indices, values, levels, start, end, bias_row, delta, share)
        for r in range(n_models):
            m = models[r]
            rate = learning_rates[m, u]
            if direct[m]:
                for i in range(a, e):
                    row = order[i]
                    add_outer(Ps[m], indices, values, levels, indptr[row], indptr[row + 1],
                              bias_row, deltas[r, i - a], -rate * share)
            else:
                optimizer_step(Ps[m], Gs[m], states[m], steps[m], rate, optimizers[m], settings[m])
        u += 1


@jit(parallel=True)
def train_sweep(Ps, Gs, states, steps, indptr, indices, values, levels, labels, n_classes,
                order, batch_size, learning_rates, optimizers, settings, direct, deltas, z):
    """:func:`train_batches` for every model of ``Ps`` (M, d + 1, 16) over the same rows,
    four models a pass over each row, the groups of four split over threads.

    ``learning_rates`` (M, updates), ``optimizers`` (M,), ``settings`` (M, S) and
    ``direct`` (M,) are each model's; ``steps`` (M,) their update counts, advanced in
    place. ``deltas`` (groups, 4, batch, 16) and ``z`` (groups, 4, 16) are scratch.
    """
    M = Ps.shape[0]
    n_groups = (M + SWEEP_GROUP - 1) // SWEEP_GROUP
    for g in prange(n_groups):
        first = g * SWEEP_GROUP
        n_models = min(SWEEP_GROUP, M - first)
        models = np.empty(SWEEP_GROUP, np.int64)
        for r in range(SWEEP_GROUP):
            models[r] = first + min(r, n_models - 1)
        _sweep_group(Ps, Gs, states, steps, models, n_models, indptr, indices, values, levels,
                     labels, n_classes, order, batch_size, learning_rates, optimizers, settings,
                     direct, deltas[g], z[g])


@jit(parallel=True)
def train_sweep_each(Ps, Gs, states, steps, indptr, indices, values, levels, labels, n_classes,
                     order, batch_size, learning_rates, optimizers, settings):
    """:func:`train_sweep` for models with more than 16 classes: each model its own
    passes (the wide cores keep 64 classes' sums in registers already), split over threads."""
    for m in prange(Ps.shape[0]):
        steps[m] = train_batches(Ps[m], Gs[m], states[m], steps[m], indptr, indices, values,
                                 levels, labels, n_classes, order, batch_size,
                                 learning_rates[m], optimizers[m], settings[m])
