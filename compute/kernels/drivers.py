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
