"""Models in the Python API: labels of any kind, predictions, and parameter files.

Numbers only, no engine: a :class:`Model` predicts with numpy (and SciPy for CSR), and
its files are the course's schema (:mod:`compute.storage.params`).
"""

import json
import math

import numpy as np

from compute.engine.inputs import PIXELS, Inputs
from compute.storage import params
from compute.storage.classes import is_class_name, numbered_classes
from compute.storage.inputs import is_csr

#: Rows scored at a time by :meth:`Predicting.decision_function` (float64 block scratch).
SCORE_ROWS = 4096


# ----------------------------------------------------------------------- labels


def encode_labels(y, classes=None):
    """(class indices as int32, classes) of labels ``y`` (N,) or one-hot rows (N, K).

    ``classes``, when given, are the known classes: a label outside them is an error.
    Otherwise they are the sorted distinct labels (0..K-1 for one-hot rows).
    """
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] >= 2:
        ones = y == 1
        if not (((y == 0) | ones).all() and (ones.sum(axis=1) == 1).all()):
            raise ValueError("2-D y must be one-hot rows (exactly one 1 per row, the rest 0); "
                             "or give one label per sample")
        found = np.arange(y.shape[1])
        if classes is not None and not np.array_equal(np.asarray(classes), found):
            raise ValueError(f"one-hot y has {y.shape[1]} columns but the classes are {list(classes)}")
        return np.argmax(y, axis=1).astype(np.int32), found
    y = y.reshape(-1) if y.ndim == 2 and y.shape[1] == 1 else y
    if y.ndim != 1:
        raise ValueError(f"y must be labels (N,) or one-hot rows (N, K); got shape {y.shape}")
    classes = np.unique(y) if classes is None else np.asarray(classes)
    indices = np.searchsorted(classes, y)
    indices[indices == len(classes)] = 0
    unknown = classes[indices] != y
    if unknown.any():
        raise ValueError(f"y holds the label {y[np.argmax(unknown)]!r}, which is not one of the "
                         f"classes {list(classes)}")
    return indices.astype(np.int32), classes


def class_names(classes):
    """What the studio and the files call the classes: each label as text when it can
    name a class, else their numbers."""
    names = tuple(str(c) for c in classes)
    return names if all(map(is_class_name, names)) else numbered_classes(len(classes))


# ---------------------------------------------------------------------- models


def _softmax(scores):
    scores = scores - scores.max(axis=1, keepdims=True)
    np.exp(scores, out=scores)
    scores /= scores.sum(axis=1, keepdims=True)
    return scores


class Predicting:
    """What a fitted model does with new samples; ``coef_`` (K, d), ``intercept_`` (K,)
    and ``classes_`` (K,) are the model. ``X``: a dense 2-D array of numbers or SciPy
    CSR, with ``d`` features."""

    #: What the model reads of each sample (``inputs_``): the values as they are, unless
    #: it was trained on deskewed images or gradient histograms.
    inputs_ = PIXELS

    def _checked(self, X):
        """``X`` as it will be scored (a subclass checks it its own way)."""
        if not is_csr(X):
            X = np.asarray(X)
            if X.ndim != 2:
                raise ValueError(f"X must be 2-D (samples, features); got shape {X.shape}")
        expected = self.coef_.shape[1] if self.inputs_.pixels else self.n_features_in_
        if X.shape[1] != expected:
            raise ValueError(f"X has {X.shape[1]} features, but the model expects {expected}")
        return X

    def _scores(self, X):
        X = self._checked(X)
        W, b, inputs = self.coef_, self.intercept_, self.inputs_
        if is_csr(X) and inputs.pixels:
            return np.asarray(X @ W.T, dtype=np.float64) + b
        out = np.empty((X.shape[0], W.shape[0]))
        for first in range(0, X.shape[0], SCORE_ROWS):
            block = X[first:first + SCORE_ROWS]
            if not inputs.pixels:  # (the transforms read dense images)
                block = inputs.dense(block.toarray() if is_csr(block) else block)
            np.matmul(block.astype(np.float64, copy=False), W.T, out=out[first:first + SCORE_ROWS])
        out += b
        return out

    def decision_function(self, X):
        """Each class's score (the logits), shape (n, K); for two classes, the second's
        score minus the first's, shape (n,), as scikit-learn's classifiers give it."""
        scores = self._scores(X)
        return scores[:, 1] - scores[:, 0] if scores.shape[1] == 2 else scores

    def predict_proba(self, X):
        """Class probabilities, shape (n, K), in the order of ``classes_``."""
        return _softmax(self._scores(X))

    def predict_log_proba(self, X):
        return np.log(self.predict_proba(X))

    def predict(self, X):
        """The most probable class of each sample (labels from ``classes_``)."""
        best = np.argmax(self._scores(X), axis=1)
        return self.classes_[best]

    def score(self, X, y, sample_weight=None):
        """Mean accuracy on ``X`` against labels ``y``."""
        right = self.predict(X) == np.asarray(y).reshape(-1)
        return float(np.average(right, weights=sample_weight))

    def save(self, path):
        """Write the model to ``path`` in the course HDF5 schema (see :func:`save`)."""
        save(path, self)


class Model(Predicting):
    """Softmax-regression parameters, as a file holds them.

    Attributes
    ----------
    coef_ : ndarray of float64, shape (K, d)
        The course's ``w``.
    intercept_ : ndarray of float64, shape (K,)
        The course's ``b``.
    classes_ : ndarray, shape (K,)
        The label of each class (0..K-1 unless the file names them).
    inputs_ : compute.engine.inputs.Inputs
        What it reads of each image (the file's ``inputs`` attribute; pixels without one).
    attributes : dict
        Everything else the file records (settings, results).
    """

    def __init__(self, coef, intercept, classes=None, attributes=None, inputs=PIXELS, n_features_in=None):
        self.coef_ = np.asarray(coef, dtype=np.float64)
        self.intercept_ = np.asarray(intercept, dtype=np.float64).reshape(-1)
        self.classes_ = np.arange(self.coef_.shape[0]) if classes is None else np.asarray(classes)
        self.attributes = dict(attributes or {})
        self.inputs_ = inputs
        self.n_features_in_ = self.coef_.shape[1] if n_features_in is None else n_features_in

    def __repr__(self):
        return (f"Model({self.coef_.shape[0]} classes x {self.coef_.shape[1]} features, "
                f"classes {list(self.classes_)[:10]})")


def save(path, model, metadata=None):
    """Write ``model`` (a :class:`Model`, a :class:`Run` or a fitted
    ``SoftmaxRegression``) to ``path`` in the course HDF5 schema: ``w`` (K, d) and ``b``
    (K, 1), float64, written atomically; the class labels and ``metadata`` as attributes
    the course's code ignores."""
    if isinstance(getattr(model, "model", None), Model):  # a Run: its model, settings and results
        metadata = {**model.metadata, **(metadata or {})}
        model = model.model
    classes = np.asarray(model.classes_)
    attributes = dict(getattr(model, "attributes", None) or {})
    attributes.update(metadata or {})
    attributes["class_names"] = list(class_names(classes))
    attributes["inputs"] = getattr(model, "inputs_", PIXELS).attribute()
    attributes["image_pixels"] = int(model.n_features_in_)
    attributes["classes"] = json.dumps(classes.tolist())
    params.save(path, params.Model(np.asarray(model.coef_, dtype=np.float64),
                                   np.asarray(model.intercept_, dtype=np.float64)), attributes)


def _recorded_classes(attributes, n_classes):
    try:
        classes = json.loads(attributes["classes"])
        if isinstance(classes, list) and len(classes) == n_classes and len(set(map(str, classes))) == n_classes:
            return np.asarray(classes)
    except (KeyError, TypeError, ValueError, RecursionError):
        pass
    names = params.recorded_class_names(attributes, n_classes)
    if names is None or all(name.isdigit() for name in names):
        return np.arange(n_classes) if names is None else np.asarray([int(n) for n in names])
    return np.asarray(names)


def load(path):
    """Read a parameter file (the studio's, the command line's, the course's own, or one
    :func:`save` wrote) as a :class:`Model`. Raises ``compute.errors.DataError``, one line
    naming the file, when it is not one."""
    model, attributes = params.load(path)
    attributes = {key: attributes[key] for key in attributes}
    inputs = Inputs.recorded(attributes)
    return Model(model.weights, model.bias, _recorded_classes(attributes, model.n_classes), attributes,
                 inputs, _pixels_of(inputs, model.n_features, attributes))


def _pixels_of(inputs, n_features, attributes):
    """The pixels of the images a model reads ``n_features`` values of: as its file
    records them (``image_pixels``), else MNIST's 784 when they fit, else the first
    square that fits."""
    recorded = attributes.get("image_pixels")
    if inputs.features == "pixels":
        return n_features
    square = isinstance(recorded, (int, np.integer)) and 0 < recorded == math.isqrt(recorded) ** 2
    if square and inputs.n_features(int(recorded)) == n_features:
        return int(recorded)
    sides = [28, *range(inputs.cell, 257)]
    return next((side * side for side in sides if inputs.n_features(side * side) == n_features), n_features)
