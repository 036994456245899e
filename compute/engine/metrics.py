"""Loss, accuracy and confusion of a model on a data set."""

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .. import kernels
from ..errors import DataError


@dataclass
class Evaluation:
    """How a model does on one data set.

    Attributes
    ----------
    loss : float
        Mean cross-entropy in nats.
    accuracy : float
    samples : int
    confusion : ndarray of int64, shape (K, K) or None
        ``confusion[true, predicted]`` counts.
    predictions : ndarray of int32 or None
    """

    loss: float
    accuracy: float
    samples: int
    confusion: np.ndarray = None
    predictions: np.ndarray = None


def confusion_matrix(labels, predictions, n_classes):
    """Counts of (true class, predicted class) pairs, shape (K, K)."""
    flat = labels.astype(np.int64) * n_classes + predictions
    return np.bincount(flat, minlength=n_classes * n_classes).reshape(n_classes, n_classes)


def check_fits(model, dataset, source=None):
    """Raise :class:`~compute.storage.data.DataError` unless ``model`` can be evaluated on ``dataset``.

    ``source`` names the model in the message (its file), else "the model".
    """
    name = Path(source).name if source is not None else "the model"
    if model.n_features != dataset.n_features:
        raise DataError(f"{name}: has {model.n_features} features per class but {dataset.name} "
                        f"has {dataset.n_features}")
    if model.n_classes < dataset.n_classes:
        raise DataError(f"{name}: knows {model.n_classes} classes but {dataset.name} "
                        f"has labels up to {dataset.n_classes - 1}")


def check_inputs(inputs, dataset, source=None):
    """Raise :class:`~compute.errors.DataError` unless ``dataset`` holds square images that
    ``inputs`` (a model's transform: deskewing, gradient histograms) can read."""
    if dataset.image_shape is None:
        name = Path(source).name if source is not None else "the model"
        raise DataError(f"{name}: reads {inputs.describe()} of square images, but {dataset.name} "
                        f"has {dataset.n_features} values a sample")


def evaluate(model, dataset, confusion=False):
    """Evaluate ``model`` (a :class:`compute.storage.params.Model`) on ``dataset``.

    Parameters
    ----------
    confusion : bool
        Also return predictions and the confusion matrix.
    """
    check_fits(model, dataset)
    P = model.packed()
    predictions = np.empty(dataset.n_samples, dtype=np.int32) if confusion else None
    loss, correct = kernels.evaluate_sums(P, dataset.rows, dataset.labels, model.n_classes,
                                          predictions=predictions)
    n = dataset.n_samples
    result = Evaluation(loss / n, correct / n, n)
    if confusion:
        result.predictions = predictions
        result.confusion = confusion_matrix(dataset.labels, predictions, model.n_classes)
    return result
