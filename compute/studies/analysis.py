"""What a run cost and what a model learned: multiply-adds, time to a target accuracy,
per-class precision and recall, the most confident mistakes, weights as images."""

import functools
import math
from dataclasses import dataclass

import numpy as np

from .. import kernels


def multiply_adds_per_update(batch_size, n_features, n_classes):
    """Multiply-adds of one update of the course's dense algorithm.

    Forward ``X W^T + b``: B·d·K (+ B·K for the bias); gradient ``(P - Y)^T X``: B·d·K
    (+ B·K); the step ``W -= lr·dW``: (d + 1)·K. So O(B·d·K), as the assignment derives.
    """
    B, d, K = batch_size, n_features, n_classes
    return 2 * B * d * K + 2 * B * K + (d + 1) * K


def multiply_adds(n_samples, batch_size, epochs, n_features, n_classes, samples_seen=None):
    """Multiply-adds of a run, counted batch by batch (a last partial batch costs less).

    Parameters
    ----------
    n_samples : int
        Training set size N.
    batch_size : int or None
        None for full batch.
    epochs : int
    samples_seen : int, optional
        Count only this far into the run (a stopped run); default: all of it.

    Returns
    -------
    (int, int)
        Updates and multiply-adds.
    """
    B = n_samples if batch_size is None else min(batch_size, n_samples)
    seen = epochs * n_samples if samples_seen is None else samples_seen
    whole_epochs, rest = divmod(seen, n_samples)
    full, last = divmod(n_samples, B)
    per_epoch_updates = full + (1 if last else 0)
    per_epoch_cost = full * multiply_adds_per_update(B, n_features, n_classes)
    if last:
        per_epoch_cost += multiply_adds_per_update(last, n_features, n_classes)
    updates = whole_epochs * per_epoch_updates
    cost = whole_epochs * per_epoch_cost
    if rest:
        full_rest, last_rest = divmod(rest, B)
        updates += full_rest + (1 if last_rest else 0)
        cost += full_rest * multiply_adds_per_update(B, n_features, n_classes)
        if last_rest:
            cost += multiply_adds_per_update(last_rest, n_features, n_classes)
    return updates, cost


def first_reaching(points, target):
    """The first point whose test accuracy is at least ``target``, or None."""
    return next((p for p in points if p.test_accuracy >= target), None)


def precision_recall(confusion):
    """Per-class precision and recall from a (K, K) confusion matrix (NaN where undefined)."""
    confusion = np.asarray(confusion, dtype=np.float64)
    hits = np.diag(confusion)
    with np.errstate(invalid="ignore", divide="ignore"):
        precision = hits / confusion.sum(axis=0)
        recall = hits / confusion.sum(axis=1)
    return precision, recall


def row_normalised(confusion):
    """Each true class's row as fractions of that class (rows of an absent class are 0)."""
    confusion = np.asarray(confusion, dtype=np.float64)
    totals = confusion.sum(axis=1, keepdims=True)
    return np.divide(confusion, totals, out=np.zeros_like(confusion), where=totals > 0)


#: Confusion cells: green where the true class was predicted, red elsewhere.
RIGHT, WRONG = (40, 120, 60), (200, 40, 40)


def confusion_colours(confusion):
    """Cell colours of a confusion matrix, by the share of its row: (RGB uint8 (K, K, 3),
    light-text mask (K, K)). The square root makes small shares of mistakes visible."""
    strength = row_normalised(confusion) ** 0.5
    K = strength.shape[0]
    base = np.where(np.eye(K, dtype=bool)[..., None], RIGHT, WRONG)
    colours = np.round(255 - (255 - base) * strength[..., None]).astype(np.uint8)
    return colours, strength > 0.6


def cell_examples(model, dataset, true_class=None, predicted_class=None, limit=48):
    """Test examples in one confusion cell (or all mistakes), most confident first.

    Returns
    -------
    (ndarray of int, ndarray of float)
        Row indices into ``dataset`` and the model's probability for its predicted class.
    """
    X = dataset.rows.dense()
    probabilities = kernels.probabilities(model.packed(), X, model.n_classes)
    predicted = probabilities.argmax(axis=1)
    chosen = np.ones(dataset.n_samples, bool)
    if true_class is not None:
        chosen &= dataset.labels == true_class
    if predicted_class is not None:
        chosen &= predicted == predicted_class
    if true_class is None and predicted_class is None:
        chosen &= predicted != dataset.labels  # the mistakes
    rows = np.flatnonzero(chosen)
    confidence = probabilities[rows, predicted[rows]]
    order = np.argsort(-confidence, kind="stable")[:limit]
    return rows[order], confidence[order]


def weight_images(model):
    """The weights of each class as a square image, (K, side, side), or None if d is not square."""
    side = math.isqrt(model.n_features)
    if side * side != model.n_features:
        return None
    return model.weights.reshape(model.n_classes, side, side)


def stroke_images(model, inputs, side=28, scale=8):
    """What each class of a gradient-histogram model looks for, as pictures (K, side *
    scale, side * scale): every cell's positive weight for a direction drawn as a stroke
    through the cell's centre, along the edge that direction's gradient crosses (as
    gradient histograms are usually drawn; their raw weights look like noise). Only each
    class's strongest quarter of weights is drawn.

    ``inputs`` is the model's :class:`compute.engine.inputs.Inputs` (features "gradients").
    """
    floor = np.quantile(model.weights, 0.75, axis=1, keepdims=True).clip(0.0)
    return strokes(np.where(model.weights > floor, model.weights, 0.0), inputs, side, scale)


def strokes(values, inputs, side=28, scale=8, signed=False):
    """Rows of gradient-histogram values (n, F) drawn as strokes (n, side * scale, side *
    scale), as :func:`stroke_images` draws weights: where strokes cross, the largest
    value shows. ``signed``: negative values too, as negative strokes (the larger
    magnitude shows); otherwise they are not drawn."""
    values = np.atleast_2d(np.asarray(values, dtype=np.float64))
    if signed:
        above, below = strokes(values, inputs, side, scale), strokes(-values, inputs, side, scale)
        return np.where(above >= below, above, -below)
    pixels, features, starts = _stroke_paths(side, inputs.cell, inputs.stride, inputs.orientations, scale)
    out = np.zeros((len(values), (side * scale) ** 2))
    out[:, pixels] = np.maximum.reduceat(values.clip(0.0)[:, features], starts, axis=1)
    return out.reshape(len(values), side * scale, side * scale)


@functools.lru_cache(maxsize=8)
def _stroke_paths(side, cell, stride, orientations, scale):
    """Where each feature's stroke goes: (pixels, features, starts), the (pixel, feature)
    pairs sorted by pixel, with the distinct pixels and where each one's run starts."""
    across = (side - cell) // stride + 1
    size = side * scale
    # A stroke a cell's stride long (neighbouring cells overlap), sampled every half
    # pixel, three pixels wide.
    steps = np.linspace(-0.5, 0.5, 2 * stride * scale + 1) * stride * scale
    angle = np.arange(orientations) * 2 * np.pi / orientations + np.pi / 2
    along_y, along_x = np.sin(angle)[:, None], np.cos(angle)[:, None]
    pairs = []
    for a in range(across):
        for b in range(across):
            centre_y, centre_x = (a * stride + cell / 2) * scale, (b * stride + cell / 2) * scale
            for width in (-1, 0, 1):
                ys = np.clip(np.rint(centre_y + along_y * steps + width * along_x), 0, size - 1)
                xs = np.clip(np.rint(centre_x + along_x * steps - width * along_y), 0, size - 1)
                feature = (a * across + b) * orientations + np.arange(orientations)[:, None]
                pairs.append(((ys * size + xs) * across * across * orientations + feature).ravel())
    pixels, features = np.divmod(np.unique(np.concatenate(pairs).astype(np.int64)),
                                 across * across * orientations)
    starts = np.flatnonzero(np.r_[True, pixels[1:] != pixels[:-1]])
    return pixels[starts], features, starts


#: Blue - white - red, for values with a meaningful zero (weights).
DIVERGING = np.array([[33, 102, 172], [247, 247, 247], [178, 24, 43]], dtype=np.float64)


def diverging_rgb(values, limit=None):
    """Map values to RGB uint8 with zero white, -limit blue and +limit red.

    ``limit`` defaults to the largest magnitude, so several images share one scale when
    they are mapped together.
    """
    values = np.asarray(values, dtype=np.float64)
    if limit is None:
        limit = float(np.abs(values).max()) if values.size else 1.0
    t = np.clip(values / (limit or 1.0), -1.0, 1.0)
    low = DIVERGING[1] + (DIVERGING[0] - DIVERGING[1]) * np.clip(-t, 0, 1)[..., None]
    high = DIVERGING[1] + (DIVERGING[2] - DIVERGING[1]) * np.clip(t, 0, 1)[..., None]
    return np.where((t < 0)[..., None], low, high).round().astype(np.uint8)


def weights_mosaic(model, columns=5, gap=2, scale=4, caption=0):
    """All classes' weight images side by side on one shared diverging scale (RGB uint8),
    or None when d is not a square image. ``caption`` leaves that many white pixel rows
    under each tile (for its class name; :func:`mosaic_tile_origin` says where)."""
    images = weight_images(model)
    if images is None:
        return None
    colored = diverging_rgb(images)
    K, side = images.shape[0], images.shape[1]
    rows = -(-K // columns)
    height, width = side * scale + caption + gap, side * scale + gap
    mosaic = np.full((rows * height - gap, columns * width - gap, 3), 255, np.uint8)
    for k in range(K):
        top, left = mosaic_tile_origin(k, side, columns, gap, scale, caption)
        mosaic[top:top + side * scale, left:left + side * scale] = np.kron(colored[k], np.ones((scale, scale, 1), np.uint8))
    return mosaic


def mosaic_tile_origin(k, side, columns=5, gap=2, scale=4, caption=0):
    """(top, left) pixel of class ``k``'s tile in :func:`weights_mosaic`."""
    r, c = divmod(k, columns)
    return r * (side * scale + caption + gap), c * (side * scale + gap)


@dataclass(frozen=True)
class Evidence:
    """Why a linear model read an input as it did: for its top classes, what each feature
    contributed to the class's logit (``w_k * x``), and the bias; the logit is their sum.

    Attributes
    ----------
    classes : tuple of int
        The top classes, highest logit first.
    maps : ndarray of float64, shape (top, d)
        ``weights[k] * x`` for each of them.
    bias : ndarray of float64, shape (top,)
    logits : ndarray of float64, shape (top,)
        ``maps.sum(axis=1) + bias``.
    """

    classes: tuple
    maps: np.ndarray
    bias: np.ndarray
    logits: np.ndarray


def evidence(model, x, top=3):
    """The :class:`Evidence` for input ``x`` (d features) under ``model``."""
    x = np.asarray(x, dtype=np.float64).reshape(-1)
    logits = model.weights @ x + model.bias
    classes = tuple(int(k) for k in np.argsort(-logits, kind="stable")[:top])
    maps = model.weights[list(classes)] * x
    bias = model.bias[list(classes)].astype(np.float64)
    return Evidence(classes, maps, bias, maps.sum(axis=1) + bias)


def cell_evidence(model, histograms, orientations, top=3):
    """The :class:`Evidence` of a gradient-histogram input, per cell: each cell's
    evidence summed over its directions (maps of cells x cells; the sums, and so the
    logits, are those of :func:`evidence`)."""
    found = evidence(model, histograms, top)
    cells = found.maps.reshape(len(found.classes), -1, orientations).sum(axis=2)
    return Evidence(found.classes, cells, found.bias, found.logits)
