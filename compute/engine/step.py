"""One step of gradient descent, every quantity of it, for the studio's step-by-step view.

A :class:`Stepper` trains a copy of some parameters (a run's snapshot, never the run)
through the same batches a run with the same settings would visit, one update at a time,
and records for each update what the course asks to derive: the batch's probabilities
``p``, the one-hot ``y``, ``p - y``, the gradient of the weights and bias, the parameters
before and after, the batch's loss before and after, and the optimizer's state. The
update itself is the engine's (:func:`compute.kernels.train_batches`, in float64), so
what is shown is what training does.
"""

from dataclasses import dataclass

import numpy as np

from .. import kernels
from .inputs import Inputs
from ..storage.params import Model
from ..settings import SettingsError, learning_rates


@dataclass(frozen=True)
class StepRecord:
    """Everything about one update (arrays in the course's orientation, float64).

    Attributes
    ----------
    step : int
        The update's number (from 1).
    rows : ndarray of int64, shape (B,)
        The batch's rows in the training set.
    X : ndarray, shape (B, d)
        The batch as the model reads it (the pixels, or their deskewed or gradient form).
    labels : ndarray of int32, shape (B,)
    p, y : ndarray, shape (B, K)
        The softmax probabilities before the update, and the one-hot labels.
    grad_w : ndarray, shape (K, d)
        The mean gradient of the batch's log-loss (plus ``l2 * w`` when L2 is set).
    grad_b : ndarray, shape (K,)
    before, after : Model
    loss_before, loss_after : float
        The batch's mean log-loss with the parameters before and after.
    learning_rate : float
    state : dict
        The optimizer's state after the update, by name ("velocity", "m", "v", "sum of
        squares", "mean square"), each (K, d); empty for plain SGD.
    """

    step: int
    rows: np.ndarray
    X: np.ndarray
    labels: np.ndarray
    p: np.ndarray
    y: np.ndarray
    grad_w: np.ndarray
    grad_b: np.ndarray
    before: Model
    after: Model
    loss_before: float
    loss_after: float
    learning_rate: float
    state: dict

    @property
    def delta(self):
        """``p - y``: how far each probability is from the truth."""
        return self.p - self.y


#: What each optimizer keeps between updates, by slot of the engine's moments.
STATE_NAMES = {"sgd": (), "momentum": ("velocity",), "nesterov": ("velocity",),
               "adagrad": ("sum of squared gradients",), "rmsprop": ("mean squared gradient",),
               "adam": ("m (mean gradient)", "v (mean squared gradient)")}


def softmax_and_loss(model, X, labels):
    """Probabilities (B, K) and mean log-loss of ``model`` on rows ``X`` with ``labels``."""
    Z = X @ model.weights.T + model.bias
    Z = Z - Z.max(axis=1, keepdims=True)
    E = np.exp(Z)
    p = E / E.sum(axis=1, keepdims=True)
    loss = float(np.mean(np.log(E.sum(axis=1)) - Z[np.arange(len(labels)), labels]))
    return p, loss


class Stepper:
    """Train a copy of ``model`` one update at a time on ``pair``'s training set, visiting
    the batches a run with ``settings`` would (its seed's shuffled order)."""

    def __init__(self, pair, settings, model):
        self.pair = pair
        self.settings = settings.validated()
        # What the model reads: computed at the first step (in the caller's worker thread).
        self.inputs = Inputs.of(settings)
        self._prepared = self.inputs.pixels
        reads = self.inputs.reading(pair.train)
        if model.n_features != reads:
            raise SettingsError(f"the model has {model.n_features} weights per class but reads "
                                f"{reads} values of {self.inputs.describe()} here")
        train = pair.train
        self.n = train.n_samples
        self.batch_size = settings.effective_batch(self.n)
        self.state = kernels.TrainingState.start(np.array(model.packed(), dtype=np.float64))
        self.optimizer = settings.optimizer_rule()
        self.n_classes = pair.n_classes
        self.samples_seen = 0
        self._rng = np.random.default_rng(settings.seed)
        self._order = None
        self._order_epoch = None
        self.total_samples = settings.epochs * self.n

    @property
    def model(self):
        return Model.from_packed(self.state.parameters, self.n_classes)

    def next_rows(self):
        """The rows of the next batch (each epoch in a new order, as a run visits them)."""
        epoch, position = divmod(self.samples_seen, self.n)
        if self._order_epoch != epoch:
            shuffled = self.settings.shuffle and self.settings.batch_size is not None
            self._order = (self._rng.permutation(self.n).astype(np.int64) if shuffled
                           else np.arange(self.n, dtype=np.int64))
            self._order_epoch = epoch
        return self._order[position:position + self.batch_size]

    def step(self):
        """Take one update; returns its :class:`StepRecord`."""
        if not self._prepared:
            self.pair, self._prepared = self.inputs.pair(self.pair), True
        train = self.pair.train
        rows = self.next_rows().copy()
        X = train.rows.dense(rows).astype(np.float64)
        labels = train.labels[rows]
        before = self.model
        p, loss_before = softmax_and_loss(before, X, labels)
        y = np.eye(self.n_classes)[labels]
        delta = (p - y) / len(rows)
        grad_w = delta.T @ X + self.settings.l2 * before.weights
        grad_b = delta.sum(axis=0)
        rate = float(learning_rates(self.settings, [self.samples_seen], self.total_samples, self.n)[0])
        kernels.train_batches(self.state, self.optimizer, train.rows, train.labels, self.n_classes,
                              rows, len(rows), np.array([rate]))
        self.samples_seen += len(rows)
        after = self.model
        _, loss_after = softmax_and_loss(after, X, labels)
        state = {name: Model.from_packed(self.state.moments[i], self.n_classes).weights
                 for i, name in enumerate(STATE_NAMES[self.settings.optimizer])}
        return StepRecord(self.state.updates, rows, X, labels, p, y, grad_w, grad_b, before, after,
                          loss_before, loss_after, rate, state)

    def steps(self, count):
        """Take ``count`` updates; returns the last record."""
        record = None
        for _ in range(max(1, count)):
            record = self.step()
        return record

    def updates_to_next_point(self):
        """Updates until the next point a run with these settings would evaluate."""
        every = self.settings.eval_every
        target = (self.samples_seen // every + 1) * every
        return max(1, -(-(target - self.samples_seen) // self.batch_size))
