"""Softmax Lab from Python: the engine of the studio and ``softmax-lab``, for notebooks.

The public and stable names (the rest of the package, and everything under ``compute``,
``app`` and ``ui``, may change between releases):

* :func:`load_dataset` — (X_train, y_train, X_test, y_test) from any folder the app reads;
* :func:`train` — a run as the studio trains it, recorded in the run history, with a
  callback for each point; returns a :class:`Run` (its ``points`` and ``model``);
* :func:`load`, :func:`save` — parameter files in the course's HDF5 schema, which the
  studio, ``softmax-lab evaluate`` and the course's own code read;
* :class:`Model` — a model from a file: ``predict``, ``predict_proba``, ``score``...;
* :class:`SoftmaxRegression` — a scikit-learn classifier (needs the ``sklearn`` extra);
* :class:`Point`, :data:`PRESETS`, :class:`TrainingDiverged`.

Example::

    import softmax_lab
    X_train, y_train, X_test, y_test = softmax_lab.load_dataset("data/mnist")
    model = softmax_lab.SoftmaxRegression().fit(X_train, y_train)   # the "best" preset
    print(model.score(X_test, y_test))                              # about 0.927
"""

from importlib.metadata import PackageNotFoundError, version

from compute.settings import PRESETS

from .core import Point, Run, TrainingDiverged, load_dataset, train
from .models import Model, load, save

try:
    __version__ = version("softmax-lab")
except PackageNotFoundError:  # a source tree that was never installed
    __version__ = "unknown"

__all__ = ["Model", "PRESETS", "Point", "Run", "SoftmaxRegression", "TrainingDiverged",
           "__version__", "load", "load_dataset", "save", "train"]


def __getattr__(name):
    # The estimator imports scikit-learn: only when it is asked for.
    if name == "SoftmaxRegression":
        from .estimator import SoftmaxRegression

        return SoftmaxRegression
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
