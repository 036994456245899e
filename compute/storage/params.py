"""Model parameters and their HDF5 files, readable by the course's own code.

A file holds ``w`` float64 (K, d) and ``b`` float64 (K, 1), as the course saved them,
and the settings and results of the run as HDF5 attributes. Saving is atomic: the file
is written beside the target, flushed to disk and renamed over it, so a failed or
interrupted save leaves the old file as it was and no partial file behind.
"""

import datetime
import json
import math
from dataclasses import dataclass
from pathlib import Path

import h5py
import numpy as np

from .classes import is_class_name
from ..errors import DataError
from .files import FileWriteError, atomic_write
from .hdf5 import read_hdf5_datasets
from ..settings import Settings

FORMAT_VERSION = 1
#: A count recorded in a file above this (samples, updates) is nonsense, not a run.
MAX_COUNT = 10**15


@dataclass
class Model:
    """Softmax-regression parameters in the course's orientation.

    Attributes
    ----------
    weights : ndarray of float64, shape (K, d)
    bias : ndarray of float64, shape (K,)
    """

    weights: np.ndarray
    bias: np.ndarray

    @property
    def n_classes(self):
        return self.weights.shape[0]

    @property
    def n_features(self):
        return self.weights.shape[1]

    def packed(self):
        """The kernels' layout: (d + 1, Kp) with the bias as the last row."""
        from ..kernels import padded_classes  # only when computing: reading a file needs no numba

        K, d = self.weights.shape
        P = np.zeros((d + 1, padded_classes(K)))
        P[:d, :K] = self.weights.T
        P[d, :K] = self.bias
        return P

    @classmethod
    def from_packed(cls, P, n_classes):
        """Copy parameters out of the kernels' layout."""
        return cls(np.ascontiguousarray(P[:-1, :n_classes].T, dtype=np.float64),
                   P[-1, :n_classes].astype(np.float64))

    @classmethod
    def initial(cls, n_classes, n_features, init="normal", seed=0):
        """Starting parameters: zeros, or weights from N(0, 0.01^2) as the course did."""
        if init == "zeros":
            weights = np.zeros((n_classes, n_features))
        elif init == "normal":
            weights = np.random.default_rng(seed).standard_normal((n_classes, n_features)) * 0.01
        else:
            raise ValueError(f"init must be 'zeros' or 'normal', got {init!r}")
        return cls(weights, np.zeros(n_classes))


def _attribute(value):
    if value is None:
        return "none"
    if isinstance(value, str):
        # A path from a folder whose name is not UTF-8 holds surrogates, which HDF5's
        # UTF-8 strings cannot: keep the undecodable bytes visible as \xNN.
        return value.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    if isinstance(value, (bool, int, float, np.integer, np.floating)):
        return value
    return json.dumps(value)


def save(path, model, metadata=None):
    """Write ``model`` to ``path`` atomically in the course schema.

    Parameters
    ----------
    path : path
    model : Model
    metadata : dict, optional
        Settings and results stored as attributes (numbers and strings as they are,
        anything else as JSON). ``created_at`` and ``version`` are added.
    """
    attributes = dict(metadata or {})
    attributes.setdefault("created_at", datetime.datetime.now(datetime.timezone.utc).isoformat())
    attributes["version"] = FORMAT_VERSION
    try:
        with atomic_write(path) as stream, h5py.File(stream, "w") as f:
            f.create_dataset("w", data=np.asarray(model.weights, dtype=np.float64))
            f.create_dataset("b", data=np.asarray(model.bias, dtype=np.float64).reshape(-1, 1))
            for key, value in attributes.items():
                f.attrs[key] = _attribute(value)
    except OSError as error:
        raise DataError(str(error) if isinstance(error, FileWriteError)
                        else f"{path}: could not be saved ({error})") from None


def recorded(attributes):
    """What a parameter file's attributes say of the run that made it, checked.

    Returns
    -------
    (Settings or None, int, int)
        The run's settings (None when missing or not valid settings), samples seen and
        updates (0 when missing or nonsense: negative, fractional, inf, or past
        :data:`MAX_COUNT`), so that nothing absurd reaches a plot or a label.
    """
    try:
        settings = Settings.from_dict(json.loads(attributes["settings"])).validated()
    except (KeyError, TypeError, ValueError):
        settings = None

    def count(key):
        try:
            value = float(attributes.get(key, 0))
        except (TypeError, ValueError):
            return 0
        ok = math.isfinite(value) and 0 <= value <= MAX_COUNT and value == int(value)
        return int(value) if ok else 0

    return settings, count("samples_seen"), count("updates")


def recorded_class_names(attributes, n_classes):
    """The class names a parameter file records (``class_names``, a JSON list), or None
    when it has none that fit ``n_classes`` short names."""
    try:
        names = json.loads(attributes["class_names"])
    except (KeyError, TypeError, ValueError, RecursionError):  # (a hostile file nests deeply)
        return None
    fits = isinstance(names, list) and len(names) == n_classes and all(map(is_class_name, names))
    return tuple(names) if fits else None


def load(path, n_features=None):
    """Read a parameter file (ours or one the course code wrote).

    Parameters
    ----------
    path : path
    n_features : int, optional
        When given, ``w`` must have this many columns (the data's d).

    Returns
    -------
    (Model, dict)
        The parameters and the file's attributes.
    """
    if Path(path).is_dir():
        raise DataError(f"{path}: is a folder; expected a parameter file")
    arrays, attributes = read_hdf5_datasets(path, ("w", "b"),
                                            "a parameter file: 'w' (K, d) and 'b' (K, 1)")
    name = Path(path).name
    try:
        weights = np.asarray(arrays["w"], dtype=np.float64)
        bias = np.asarray(arrays["b"], dtype=np.float64)
    except (TypeError, ValueError):
        raise DataError(f"{name}: 'w' and 'b' must be numbers") from None
    if weights.ndim != 2 or weights.shape[0] < 2 or weights.shape[1] < 1:
        raise DataError(f"{name}: 'w' has shape {weights.shape}; expected (K, d) with K >= 2")
    K = weights.shape[0]
    if bias.shape not in ((K,), (K, 1), (1, K)):
        raise DataError(f"{name}: 'b' has shape {bias.shape}; expected ({K}, 1) to match "
                        f"'w' of shape {weights.shape}")
    if not (np.isfinite(weights).all() and np.isfinite(bias).all()):
        raise DataError(f"{name}: parameters contain NaN or inf; the run that wrote them diverged")
    model = Model(np.ascontiguousarray(weights), bias.reshape(K).copy())
    if n_features is not None:
        check_features(path, model, n_features)
    return model, attributes


def check_features(path, model, n_features):
    """Raise :class:`DataError` unless ``model`` (read from ``path``) has ``n_features``
    weights per class, as the data it meets."""
    if model.n_features != n_features:
        raise DataError(f"{Path(path).name}: 'w' has {model.n_features} features per class but "
                        f"the data has {n_features}; load parameters trained on this kind of data")


def frozen_model(model):
    """``model`` with read-only arrays (the arrays themselves, not copies)."""
    for array in (model.weights, model.bias):
        array.flags.writeable = False
    return model
