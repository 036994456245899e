"""The Python API without scikit-learn: data sets and runs.

A thin layer over the engine in :mod:`compute`: it turns a program's arrays and labels
into the engine's rows and class indices, runs :class:`compute.engine.training.Training`
(recording the run in the run history) and gives back plain objects.
"""

import os
import warnings
from dataclasses import dataclass, field, fields, replace

import numpy as np

from compute.engine.points import Point
from compute.engine.training import Training, TrainingDiverged
from compute.settings import Settings, preset as preset_settings
from compute.storage import data as data_files
from compute.storage.inputs import remember, rows_of

from .models import Model, class_names, encode_labels, save

__all__ = ["Point", "Run", "TrainingDiverged", "load_dataset", "train"]


# ------------------------------------------------------------------------ data


def dataset(X, labels, classes, name):
    """Arrays as the engine's :class:`compute.storage.data.Dataset`."""
    rows = rows_of(X)
    if rows.n_rows != labels.shape[0]:
        raise ValueError(f"{name} has {rows.n_rows} samples but {labels.shape[0]} labels")
    return data_files.Dataset(name, "", rows, labels, len(classes), class_names(classes))


def load_dataset(folder=None):
    """(X_train, y_train, X_test, y_test) from a folder the app reads (the course's two
    HDF5 files or the four IDX files; default: the app's default data folder).

    ``X`` is float32 in [0, 1], shape (N, d), read-only: the engine keeps the rows it
    read from the files, so training on these arrays converts nothing. ``y`` holds the
    class numbers 0..K-1 (int64).
    """
    pair = data_files.load(folder)
    arrays = []
    for part in (pair.train, pair.test):
        arrays += [remember(part.rows.dense(), part.rows), part.labels.astype(np.int64)]
    return tuple(arrays)


def _pair(data):
    """(DataPair, classes) of what :func:`train` was given."""
    if data is None or isinstance(data, (str, os.PathLike)):
        pair = data_files.load(data)
        return pair, np.array([int(n) if n.isdigit() else n for n in pair.class_names])
    try:
        X_train, y_train, X_test, y_test = data
    except (TypeError, ValueError):
        raise TypeError("data must be a folder, or (X_train, y_train, X_test, y_test)") from None
    _, classes = encode_labels(np.concatenate([np.asarray(y_train).reshape(len(y_train), -1),
                                               np.asarray(y_test).reshape(len(y_test), -1)]))
    train_labels, _ = encode_labels(y_train, classes)
    test_labels, _ = encode_labels(y_test, classes)
    train, test = dataset(X_train, train_labels, classes, "X_train"), dataset(X_test, test_labels, classes, "X_test")
    if train.n_features != test.n_features:
        raise ValueError(f"X_train has {train.n_features} features but X_test has {test.n_features}")
    return data_files.DataPair(train, test), classes


# ------------------------------------------------------------------------ runs


def settings_from(preset=None, **settings):
    """:class:`compute.settings.Settings` from a preset's name (default: the defaults)
    and settings by name (``batch_size="full"`` or None for full batch), checked."""
    names = {f.name for f in fields(Settings)}
    unknown = sorted(set(settings) - names)
    if unknown:
        raise TypeError(f"unknown setting {unknown[0]!r}; the settings are {', '.join(sorted(names))}")
    if settings.get("batch_size") == "full":
        settings["batch_size"] = None
    base = preset_settings(preset) if preset is not None else Settings()
    return replace(base, **settings).validated()


def recorder(history):
    """The run history's recorder (``history``: True for the user's, a folder, or
    False/None for none); a problem is a warning, and training goes on."""
    if history is None or history is False:
        return None
    from compute.engine.recording import Recorder

    def tell(text):
        warnings.warn(f"not recorded in the run history: {text}", RuntimeWarning, stacklevel=4)

    made = Recorder(None if history is True else history, on_problem=tell)
    if made.problem:
        tell(made.problem)
        made.close()
        return None
    return made


def run_training(training, name, history, source, data=None, on_point=None):
    """Train to the end, recording the run in ``history`` (see :func:`recorder`); calls
    ``on_point`` with each new point. Returns the run's history number (or None).
    Raises :class:`TrainingDiverged` (the run is recorded as diverged); an interrupt
    (KeyboardInterrupt) is recorded as a stop and raised."""
    from compute.engine.recording import RunRecording

    made = recorder(history)
    recording = RunRecording(made, name, training.settings, source, data) if made else None
    status = "stopped"
    try:
        seen = 0
        for _ in training.steps():
            while seen < len(training.points):
                if on_point is not None:
                    on_point(training.points[seen])
                seen += 1
            if recording:
                recording.sync(training)
        status = "finished"
    except TrainingDiverged:
        status = "diverged"
        raise
    finally:
        if recording:
            recording.end(training, status)
            made.flush()
            made.close()
    return recording.id if recording else None


@dataclass
class Run:
    """A run trained by :func:`train`.

    Attributes
    ----------
    name : str
    settings : compute.settings.Settings
    points : list of Point
        Loss and accuracy on both sets every ``eval_every`` samples and at each epoch's end.
    model : Model
        The parameters at the last point.
    history_id : int or None
        The run's number in the run history (``softmax-lab runs show N``), when recorded.
    """

    name: str
    settings: Settings
    points: list
    model: Model
    history_id: int = None
    metadata: dict = field(default_factory=dict, repr=False)

    @property
    def test_accuracy(self):
        return self.points[-1].test_accuracy

    def columns(self):
        """The points as columns, for plotting: {"samples_seen": array, "test_loss": ...}."""
        return {f.name: np.array([getattr(p, f.name) for p in self.points]) for f in fields(Point)}

    def save(self, path):
        save(path, self)


def train(data=None, preset=None, *, on_point=None, history=True, name=None, **settings):
    """Train a softmax regression as the studio and ``softmax-lab train`` do.

    Parameters
    ----------
    data : folder or (X_train, y_train, X_test, y_test), optional
        A folder the app reads (default: the app's default data), or arrays (dense or
        SciPy CSR ``X``; labels or one-hot ``y``).
    preset : str, optional
        A preset's name ("best", "seed-minibatch100", ...; see ``softmax_lab.PRESETS``);
        ``settings`` override its values (``learning_rate=0.1``, ``epochs=3``, ...).
    on_point : callable(Point), optional
        Called with each new point as the run goes (to plot live in a notebook).
    history : bool or folder
        Record the run in the run history (the studio's History tab), or in this folder's;
        False: do not.
    name : str, optional
        The run's name in the history (default: its preset or settings in a few words).

    Returns
    -------
    Run
    """
    chosen = settings_from(preset, **settings)
    pair, classes = _pair(data)
    training = Training(pair, chosen)
    name = name or chosen.short_name()
    files = pair if pair.train.source else None
    history_id = run_training(training, name, history, "python", files, on_point)
    last = training.evaluated
    model = Model(np.array(last.model.weights), np.array(last.model.bias), classes)
    return Run(name, chosen, list(training.points), model, history_id, last.metadata())

