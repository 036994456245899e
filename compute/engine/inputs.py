"""What a model reads: the pixels as they are, deskewed pixels, or gradient-orientation
histograms (of the pixels or of the deskewed pixels).

:class:`Inputs` is chosen by a run's settings, recorded in its parameter file (the
``inputs`` attribute, which the course's code ignores) and applied, without being told,
wherever the model meets data: training, evaluation, prediction. A file without the
attribute is a pixel model. Transformed data sets are computed once by parallel kernels
(:mod:`compute.kernels.transforms`) and kept in the converted-data cache beside the rows
they came from.
"""

import json
import math
from dataclasses import asdict, dataclass, fields

import numpy as np

from ..settings import FEATURES, SettingsError

# The kernels and the data sets are imported where they are used: reading a parameter
# file's inputs (``predict``, ``evaluate`` checking their arguments) compiles nothing.


@dataclass(frozen=True)
class Inputs:
    """A transform of square images (see :mod:`compute.kernels.transforms`)."""

    deskew: bool = False
    features: str = "pixels"
    cell: int = 6
    stride: int = 3
    orientations: int = 8

    @classmethod
    def of(cls, settings):
        """The inputs a run's :class:`compute.settings.Settings` choose."""
        return cls(**{f.name: getattr(settings, f.name) for f in fields(cls)})

    @classmethod
    def recorded(cls, attributes):
        """The inputs a parameter file records (its ``inputs`` attribute), else pixels."""
        try:
            values = json.loads(attributes["inputs"])
            made = cls(**{f.name: values[f.name] for f in fields(cls) if f.name in values})
        except (KeyError, TypeError, ValueError, RecursionError):
            return PIXELS
        return made if made.valid() else PIXELS

    def valid(self):
        return (isinstance(self.deskew, bool) and self.features in FEATURES
                and all(isinstance(v, int) and v >= 1 for v in (self.cell, self.stride))
                and isinstance(self.orientations, int) and self.orientations >= 2)

    def attribute(self):
        """The ``inputs`` attribute of a parameter file (JSON)."""
        return json.dumps(asdict(self))

    @property
    def pixels(self):
        """True when the model reads the pixels as they are."""
        return not self.deskew and self.features == "pixels"

    def describe(self):
        gradients = (f"gradient histograms ({self.cell}-px cells every {self.stride} px, "
                     f"{self.orientations} orientations)")
        if self.features == "gradients":
            return f"deskewed, then {gradients}" if self.deskew else gradients
        return "deskewed pixels" if self.deskew else "pixels"

    def n_features(self, n_pixels):
        """How many values a model reads for images of ``n_pixels`` pixels."""
        if self.features == "pixels":
            return n_pixels
        across = (_side(n_pixels) - self.cell) // self.stride + 1  # (kernels.cells_across)
        return max(across, 0) ** 2 * self.orientations

    def reading(self, dataset):
        """How many values a model with these inputs reads of each sample of ``dataset``;
        :class:`~compute.settings.SettingsError` (one line) when it cannot read them."""
        if not self.pixels and dataset.image_shape is None:
            raise SettingsError(f"deskewing and gradient features need square images; "
                                f"{dataset.name} has {dataset.n_features} values a sample")
        return self.n_features(dataset.n_features)

    # ----------------------------------------------------------------- applying

    def dense(self, X):
        """The transformed rows of dense images ``X`` (n, side * side), float32."""
        from .. import kernels

        X = np.asarray(X, dtype=np.float32)
        if X.ndim == 1:
            X = X[None, :]
        if self.pixels:
            return X
        side = _side(X.shape[1])
        if self.deskew:
            X = kernels.deskew(X, side)
        if self.features == "gradients":
            X = kernels.gradient_histograms(X, side, self.cell, self.stride, self.orientations)
        return X

    def rows(self, rows):
        """:class:`compute.kernels.SparseRows` of images, transformed a block at a time."""
        from .. import kernels
        from ..storage.arrays import READ_ROWS

        if self.pixels:
            return rows
        _side(rows.n_features)
        blocks = (kernels.sparse_rows(self.dense(rows.dense(np.arange(first, min(first + READ_ROWS, rows.n_rows)))))
                  for first in range(0, rows.n_rows, READ_ROWS))
        return kernels.concatenate_rows(list(blocks))

    def dataset(self, dataset):
        """``dataset`` as the model reads it (from the converted-data cache when its source
        file is there)."""
        from ..storage import cache
        from ..storage.data import Dataset

        if self.pixels:
            return dataset
        transform = lambda: (self.rows(dataset.rows), dataset.labels, dataset.n_classes)  # noqa: E731
        if dataset.source:
            rows = cache.cached([dataset.source], transform, variant=self.attribute())[0]
        else:
            rows = transform()[0]
        if rows.n_rows != dataset.n_samples:  # (a cache entry of another file version)
            rows = transform()[0]
        return Dataset(dataset.name, dataset.source, rows, dataset.labels, dataset.n_classes,
                       dataset.class_names)

    def pair(self, pair):
        from ..storage.data import DataPair

        if self.pixels:
            return pair
        return DataPair(self.dataset(pair.train), None if pair.test is None else self.dataset(pair.test))


PIXELS = Inputs()


def _side(n_pixels):
    side = math.isqrt(n_pixels)
    if side * side != n_pixels:
        raise ValueError(f"deskewing and gradient features need square images; {n_pixels} "
                         "values a sample are not a square")
    return side
