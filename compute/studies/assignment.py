"""The course assignment's whole answer: its four experiments, a numeric check of the
gradient it derives, the cost of each method, and how our numbers relate to the course's.

Qt-free: :func:`run` computes everything; ``app.assignment`` writes the report folder.
"""

from dataclasses import dataclass, replace

import numpy as np

from . import analysis

from .. import kernels

from ..engine import metrics
from ..storage.params import Model
from ..settings import preset
from ..engine.training import Training

#: Test accuracy for the "to reach a target" columns (the course's runs all pass it).
TARGET = 0.90
#: What the course's first script reported for what it ran (seed-report).
COURSE_TEST_ACCURACY = 0.9059


# ------------------------------------------------------------------ the gradient


def softmax(Z):
    Z = Z - Z.max(axis=1, keepdims=True)
    E = np.exp(Z)
    return E / E.sum(axis=1, keepdims=True)


def mean_log_loss(W, b, X, Y, l2=0.0):
    """(1/B) Σ_i -log p_{i, y_i} + (λ/2)·||W||², in float64."""
    P = softmax(X @ W.T + b)
    return float(-np.log(P[Y.astype(bool)]).mean() + 0.5 * l2 * np.sum(W * W))


def analytic_gradient(W, b, X, Y, l2=0.0):
    """The gradient as derived: ∇W = (1/B)(P - Y)ᵀX + λW, ∇b = (1/B) Σ_i (p_i - y_i)."""
    delta = softmax(X @ W.T + b) - Y
    return delta.T @ X / X.shape[0] + l2 * W, delta.mean(axis=0)


@dataclass(frozen=True)
class GradientCheck:
    """The derived gradient against central differences of the loss, on real rows.

    ``max_abs_error`` compares the two on ``entries`` weights and every bias, and
    ``max_rel_error`` is that error over the largest gradient entry (an entry-by-entry
    ratio would divide by entries that are zero but for rounding);
    ``engine_max_abs_difference`` compares the derived gradient with the engine's (its
    compiled kernels, in float64) on every parameter.
    """

    rows: int
    entries: int
    step: float
    l2: float
    max_abs_error: float
    max_rel_error: float
    engine_max_abs_difference: float
    largest_gradient: float


def check_gradient(dataset, rows=64, entries=40, l2=1e-3, step=1e-5, seed=0):
    """Check the derivation numerically on the first ``rows`` rows of ``dataset``.

    Parameters are small random numbers (so that probabilities are not all equal); the
    weights checked are drawn among the pixels those rows use.
    """
    rng = np.random.default_rng(seed)
    X = dataset.rows.dense(np.arange(rows)).astype(np.float64)
    labels = dataset.labels[:rows]
    K, d = dataset.n_classes, dataset.n_features
    Y = np.eye(K)[labels]
    W = rng.normal(0.0, 0.05, (K, d))
    b = rng.normal(0.0, 0.05, K)
    gW, gb = analytic_gradient(W, b, X, Y, l2)

    used = np.flatnonzero(X.any(axis=0))
    picks = [(int(rng.integers(K)), int(j)) for j in rng.choice(used, size=min(entries, used.size), replace=False)]
    analytic, numeric = [], []
    for k, j in picks:
        plus, minus = W.copy(), W.copy()
        plus[k, j] += step
        minus[k, j] -= step
        numeric.append((mean_log_loss(plus, b, X, Y, l2) - mean_log_loss(minus, b, X, Y, l2)) / (2 * step))
        analytic.append(gW[k, j])
    for k in range(K):
        plus, minus = b.copy(), b.copy()
        plus[k] += step
        minus[k] -= step
        numeric.append((mean_log_loss(W, plus, X, Y, l2) - mean_log_loss(W, minus, X, Y, l2)) / (2 * step))
        analytic.append(gb[k])
    error = np.abs(np.array(analytic) - np.array(numeric))
    largest = float(max(np.abs(gW).max(), np.abs(gb).max()))

    # The engine's gradient of the same rows (summed, without L2), in float64.
    P = Model(W, b).packed()
    summed, _, _ = kernels.gradient_sum(P, dataset.rows, dataset.labels, K, 0, rows)
    engine = Model.from_packed(summed / rows, K)
    engine_difference = max(np.abs(engine.weights + l2 * W - gW).max(),
                            np.abs(engine.bias - gb).max())
    return GradientCheck(rows, len(picks), step, l2, float(error.max()), float(error.max() / largest),
                         float(engine_difference), largest)


# ------------------------------------------------------------------ the experiments


@dataclass
class Experiment:
    """One of the course's experiments, trained, with what the report needs of it.

    ``run`` is anything with ``settings``, ``points`` and ``evaluated`` (the snapshot of
    the last point): a :class:`compute.engine.training.Training` on the command line, a
    :class:`compute.engine.runs.Run` in the studio.
    """

    name: str
    run: object
    without_bias: metrics.Evaluation  # the test set scored as the course's script did
    float64_test_accuracy: float = None  # trained again with float64 parameters, if asked

    @property
    def settings(self):
        return self.run.settings

    @property
    def points(self):
        return self.run.points

    def result(self, n_train, target=TARGET):
        """This experiment as one object of ``results.json``: final figures, the course's
        dense multiply-add count, time to the end and to ``target``, and every point."""
        last, evaluated = self.points[-1], self.run.evaluated
        d, K = evaluated.model.n_features, evaluated.model.n_classes
        B = self.settings.effective_batch(n_train)
        seconds = evaluated.train_seconds

        def count(samples):
            return analysis.multiply_adds(n_train, self.settings.batch_size, self.settings.epochs, d, K,
                                          samples_seen=samples)

        updates, total = count(evaluated.samples_seen)
        reached = analysis.first_reaching(self.points, target)
        return {
            "experiment": self.name, "settings": self.settings.as_dict(),
            "train_loss": last.train_loss, "train_accuracy": last.train_accuracy,
            "test_loss": last.test_loss, "test_accuracy": last.test_accuracy,
            "test_accuracy_without_bias": self.without_bias.accuracy,
            "test_loss_without_bias": self.without_bias.loss,
            "multiply_adds_per_update": analysis.multiply_adds_per_update(B, d, K),
            "multiply_adds_total": total, "updates": updates, "train_seconds": seconds,
            "samples_per_second": evaluated.samples_seen / seconds if seconds else None,
            "target_accuracy": target,
            "samples_to_target": reached.samples_seen if reached else None,
            "seconds_to_target": reached.train_seconds if reached else None,
            "multiply_adds_to_target": count(reached.samples_seen)[1] if reached else None,
            "test_accuracy_float64_training": self.float64_test_accuracy,
            "points": [{"samples_seen": p.samples_seen, "epoch": p.epoch, "train_loss": p.train_loss,
                        "train_accuracy": p.train_accuracy, "test_loss": p.test_loss,
                        "test_accuracy": p.test_accuracy} for p in self.points],
        }


def experiment(name, run, test):
    """The :class:`Experiment` of a finished run: its test set scored without the bias too."""
    model = run.evaluated.model
    bare = Model(model.weights, np.zeros_like(model.bias))
    return Experiment(name, run, metrics.evaluate(bare, test))


def run_experiment(pair, name, steps=None, float64=False):
    """Train one experiment; ``steps`` (optional) sees the training after each yield.

    With ``float64``, the experiment is trained a second time with float64 parameters,
    as the course's numpy code trained, and that run's test accuracy is kept.
    """
    training = Training(pair, preset(name))
    for _ in training.steps():
        if steps is not None:
            steps(training)
    result = experiment(name, training, pair.test)
    if float64:
        double = Training(pair, replace(preset(name), eval_every=10**12), precision=np.float64)
        result.float64_test_accuracy = double.run().test_accuracy
    return result
