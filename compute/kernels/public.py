"""The kernels' public layer: arguments checked, errors that say how to fix them.

Every function here takes named things (an :class:`~.optimizers.Optimizer`, a
:class:`TrainingState`, :class:`~.layout.SparseRows`) and hands the drivers plain arrays.
Parallel drivers run under :data:`compute.kernels.config.PARALLEL_LOCK`.
"""

import threading
from dataclasses import dataclass

import numpy as np

from .config import PARALLEL_LOCK, thread_count
from . import drivers
from .drivers import BLOCK_ROWS
from .layout import LANES, WIDE_LANES, SparseRows, padded_classes, sparse_rows_serial
from .optimizers import L2, SGD, Optimizer
from .optimizers import optimizer_step as _optimizer_step

#: Precision of the parameters while training (measured on MNIST: a shuffled
#: mini-batch-100 epoch takes about a quarter less time than in float64; every preset
#: reaches the same test accuracy). Parameter files and evaluations use float64.
TRAINING_DTYPE = np.dtype(np.float32)
PARAMETER_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def _check_params(P, n_features=None, name="P"):
    if not isinstance(P, np.ndarray) or P.dtype not in PARAMETER_DTYPES or P.ndim != 2:
        raise TypeError(f"{name} must be a 2-D float32 or float64 array; use Model.packed")
    if not P.flags.c_contiguous:
        raise ValueError(f"{name} must be C-contiguous; pass np.ascontiguousarray({name})")
    if P.shape[1] != LANES and P.shape[1] % WIDE_LANES:
        raise ValueError(f"{name} has {P.shape[1]} columns; pad them to padded_classes(K) "
                         f"({LANES}, or a multiple of {WIDE_LANES})")
    if n_features is not None and P.shape[0] != n_features + 1:
        raise ValueError(
            f"{name} has weights for {P.shape[0] - 1} features but the data has {n_features}"
        )


def kernel_view(A):
    """``A`` (any array whose last axis is P's columns) as the kernels take it: as it is
    for 16 columns, else with the columns split in groups of 64, (..., groups, 64)."""
    if A.shape[-1] == LANES:
        return A
    return A.reshape(A.shape[:-1] + (A.shape[-1] // WIDE_LANES, WIDE_LANES))


def _check_rows(rows, labels, n_classes, P):
    if not isinstance(rows, SparseRows):
        raise TypeError("rows must be SparseRows; build them with sparse_rows(X)")
    _check_params(P, rows.n_features)
    if labels.dtype != np.int32 or labels.shape != (rows.n_rows,):
        raise ValueError(f"labels must be int32 of shape ({rows.n_rows},)")
    if not 2 <= n_classes <= P.shape[1]:
        raise ValueError(f"n_classes must be in 2..{P.shape[1]}, got {n_classes}")
    if labels.size and not 0 <= labels.min() <= labels.max() < n_classes:
        # The kernels index with labels unchecked: an out-of-range one would write anywhere.
        raise ValueError(f"labels must be in 0..{n_classes - 1}; got {labels.min()}..{labels.max()}")


def _check_optimizer(optimizer):
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"optimizer must be an Optimizer (e.g. Optimizer('adam')), got {optimizer!r}")


@dataclass(eq=False)
class TrainingState:
    """Parameters being trained and what the optimizer keeps between updates.

    The kernels update it in place; make one with :meth:`start`.

    Attributes
    ----------
    parameters : ndarray of float32 or float64, shape (d + 1, Kp)
    gradient : ndarray like ``parameters``
        Scratch for the mean gradient; zero between calls.
    moments : ndarray of shape (2,) + parameters.shape
        Velocity, or first and second moments.
    updates : int
        Updates done so far.
    """

    parameters: np.ndarray
    gradient: np.ndarray
    moments: np.ndarray
    updates: int = 0

    @classmethod
    def start(cls, parameters):
        """A state that trains ``parameters`` (kept, not copied) from step 0."""
        _check_params(parameters)
        return cls(parameters, np.zeros_like(parameters),
                   np.zeros((2,) + parameters.shape, parameters.dtype))


def _checked_order(order, batch_size):
    """``order`` as an array, checked, and the number of updates its batches make."""
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}")
    order = np.asarray(order)
    if order.dtype != np.int64 or order.ndim != 1:
        raise ValueError("order must be a 1-D int64 array of row numbers")
    return order, -(-order.shape[0] // batch_size)


def train_batches(state, optimizer, rows, labels, n_classes, order, batch_size, learning_rates):
    """Train on the rows ``order`` in batches of ``batch_size``, one update each, in place.

    Parameters
    ----------
    state : TrainingState
    optimizer : Optimizer
    rows, labels, n_classes
        The training data.
    order : ndarray of int64
        Rows to visit, in order (a stretch of an epoch's permutation, or of ``arange``).
    batch_size : int
        The last batch may be partial.
    learning_rates : ndarray of float64
        One learning rate per update.
    """
    P = state.parameters
    _check_rows(rows, labels, n_classes, P)
    _check_optimizer(optimizer)
    order, n_updates = _checked_order(order, batch_size)
    if np.shape(learning_rates) != (n_updates,):
        raise ValueError(f"need {n_updates} learning rates, got {np.shape(learning_rates)}")
    code, settings = optimizer.kernel_arguments()
    state.updates = drivers.train_batches(
        kernel_view(P), kernel_view(state.gradient), kernel_view(state.moments), state.updates,
        rows.indptr, rows.indices, rows.values, rows.levels, labels, n_classes, order, batch_size,
        np.asarray(learning_rates, dtype=np.float64), code, settings)


@dataclass(eq=False)
class SweepState:
    """Several models' :class:`TrainingState` in stacked arrays, trained together by
    :func:`train_sweep`: model ``m`` is ``parameters[m]``, ``gradient[m]``, ``moments[m]``
    and ``updates[m]``. Make one with :meth:`stack`.
    """

    parameters: np.ndarray
    gradient: np.ndarray
    moments: np.ndarray
    updates: np.ndarray

    @classmethod
    def stack(cls, states):
        """Copy ``states`` (TrainingState, same shape and precision) into one sweep state."""
        first = states[0].parameters
        for state in states:
            _check_params(state.parameters)
            if state.parameters.shape != first.shape or state.parameters.dtype != first.dtype:
                raise ValueError("models trained together need parameters of one shape and precision")
        return cls(np.stack([s.parameters for s in states]), np.stack([s.gradient for s in states]),
                   np.stack([s.moments for s in states]),
                   np.array([s.updates for s in states], dtype=np.int64))

    def member(self, m):
        """Model ``m`` as a :class:`TrainingState` whose arrays are views into this one."""
        return TrainingState(self.parameters[m], self.gradient[m], self.moments[m], int(self.updates[m]))


def train_sweep(sweep, optimizers, rows, labels, n_classes, order, batch_size, learning_rates):
    """:func:`train_batches` for every model of ``sweep`` over the same rows, in place.

    Each model ends exactly (bit for bit) as it would trained alone on these rows. Models
    are packed side by side (four of MNIST's 10 classes) and a pack shares each pass over
    a row; packs run on separate threads.

    Parameters
    ----------
    sweep : SweepState
    optimizers : list of Optimizer
        One per model.
    learning_rates : ndarray of float64, shape (models, updates)
    rows, labels, n_classes, order, batch_size
        As for :func:`train_batches`.
    """
    P = sweep.parameters
    M = P.shape[0]
    _check_rows(rows, labels, n_classes, P[0])
    if len(optimizers) != M:
        raise ValueError(f"need {M} optimizers, got {len(optimizers)}")
    for optimizer in optimizers:
        _check_optimizer(optimizer)
    order, n_updates = _checked_order(order, batch_size)
    rates = np.ascontiguousarray(learning_rates, dtype=np.float64)
    if rates.shape != (M, n_updates):
        raise ValueError(f"need ({M}, {n_updates}) learning rates, got {rates.shape}")
    arguments = [optimizer.kernel_arguments() for optimizer in optimizers]
    codes = np.array([code for code, _ in arguments], dtype=np.int64)
    settings = np.stack([values for _, values in arguments])
    data = (rows.indptr, rows.indices, rows.values, rows.levels, labels, n_classes, order, batch_size)
    with PARALLEL_LOCK:
        if P.shape[2] == LANES:
            # Plain SGD without L2 takes the direct step, as in train_batches.
            direct = (codes == SGD) & (settings[:, L2] == 0.0)
            packs, packs_direct = sweep_packs(direct, n_classes, thread_count())
            drivers.train_sweep(P, sweep.gradient, sweep.moments, sweep.updates, *data, rates,
                                codes, settings, packs, packs_direct)
        else:
            drivers.train_sweep_each(kernel_view(P), kernel_view(sweep.gradient),
                                     kernel_view(sweep.moments), sweep.updates, *data, rates,
                                     codes, settings)


def sweep_packs(direct, n_classes, threads):
    """How :func:`drivers.train_sweep` packs the models: (packs, each pack's ``direct``).

    As many models a pack as their classes fit in its columns, but no more than it
    takes to give every thread a pack; direct and other models in separate packs.
    """
    fit = drivers.PACK_LANES // n_classes
    most = max(1, min(fit, -(-direct.shape[0] // max(1, threads))))
    rows = []
    for kind in (True, False):
        models = np.flatnonzero(direct == kind)
        rows += [(models[i:i + most], kind) for i in range(0, models.shape[0], most)]
    packs = np.full((len(rows), most), -1, dtype=np.int64)
    for g, (models, _) in enumerate(rows):
        packs[g, :models.shape[0]] = models
    return packs, np.array([kind for _, kind in rows], dtype=np.bool_)


def optimizer_step(state, optimizer, learning_rate):
    """One update of ``state.parameters`` from the mean gradient in ``state.gradient``.

    The gradient is left zeroed, ready to accumulate the next one.
    """
    _check_params(state.parameters)
    _check_optimizer(optimizer)
    P = state.parameters
    if state.gradient.shape != P.shape or state.moments.shape != (2,) + P.shape:
        raise ValueError("gradient must have the shape of parameters and moments (2,) + that")
    if state.gradient.dtype != P.dtype or state.moments.dtype != P.dtype:
        raise TypeError(f"gradient and moments must be {P.dtype} like the parameters")
    code, settings = optimizer.kernel_arguments()
    state.updates += 1
    _optimizer_step(kernel_view(P), kernel_view(state.gradient), kernel_view(state.moments),
                    state.updates, learning_rate, code, settings)


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
        drivers.gradient_blocks(kernel_view(P), rows.indptr, rows.indices, rows.values, rows.levels,
                                labels, n_classes, row_start, row_stop, kernel_view(scratch[:n_blocks]),
                                block_loss, block_correct)
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
        drivers.evaluate_blocks(kernel_view(P), rows.indptr, rows.indices, rows.values, rows.levels,
                                labels, n_classes, row_start, row_stop, block_loss, block_correct,
                                predictions)
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
    rows = sparse_rows_serial(X)
    out = np.empty((X.shape[0], n_classes))
    drivers.probabilities(kernel_view(P), rows.indptr, rows.indices, rows.values, rows.levels,
                          n_classes, out)
    return out


_warmed = set()
#: Held while kernels are being made ready: a run's warm-up waits for a preparation under
#: way (which may be compiling them in another process) instead of compiling them again.
WARMING = threading.RLock()


def tiny_rows(rows):
    """The first rows (at most 3) of ``rows``, in its layout: enough to compile for it."""
    size = min(rows.n_rows, 3)
    return SparseRows(rows.indptr[:size + 1], rows.indices[:rows.indptr[size]],
                      rows.values[:rows.indptr[size]], rows.levels, rows.n_features)


def warm_up(rows, n_classes, full_batch=False, force=False, sweep=False):
    """Compile (or load from numba's on-disk cache) the kernels a run on ``rows`` needs.

    Only those: training in :data:`TRAINING_DTYPE` and evaluating in float64 on rows of
    this layout (compact codes or float values, uint16 or int32 indices) and this many
    classes, plus the full-batch gradient when ``full_batch``, and the sweep's shared
    training (:func:`train_sweep`) when ``sweep``. On a first start numba
    compiles each kernel for each layout it is called with, so compiling only what a run
    uses is what makes a first run quick. Called before a run's clock starts, so that
    ``train_seconds`` never includes compilation; cheap when already done in this
    process, unless ``force`` (which also sets up the calling thread's parallel workers).
    """
    key = (rows.indices.dtype, rows.values.dtype, padded_classes(n_classes), full_batch, sweep)
    with WARMING:
        if key in _warmed and not force:
            return
        tiny = tiny_rows(rows)
        size = tiny.n_rows
        labels = np.zeros(size, dtype=np.int32)
        shape = (rows.n_features + 1, padded_classes(n_classes))
        state = TrainingState.start(np.zeros(shape, TRAINING_DTYPE))
        sgd = Optimizer("sgd")
        train_batches(state, sgd, tiny, labels, n_classes, np.arange(size, dtype=np.int64), 2,
                      np.full(-(-size // 2), 0.1))
        if full_batch:
            gradient_sum(state.parameters, tiny, labels, n_classes, 0, size)
            optimizer_step(state, sgd, 0.1)
        evaluate_sums(np.zeros(shape), tiny, labels, n_classes)
        if sweep:  # two models, one taking the direct step and one not: both kinds of pack
            together = SweepState.stack([TrainingState.start(np.zeros(shape, TRAINING_DTYPE))] * 2)
            train_sweep(together, [sgd, Optimizer("adam")], tiny, labels, n_classes,
                        np.arange(size, dtype=np.int64), 2, np.full((2, -(-size // 2)), 0.1))
        _warmed.add(key)
