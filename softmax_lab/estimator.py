"""``SoftmaxRegression``: the engine as a scikit-learn classifier (needs the ``sklearn``
extra: ``pip install 'softmax-lab[sklearn]'``).

Inputs are checked by scikit-learn's own ``validate_data``, so that its conventions
(messages, ``n_features_in_``, feature names, the conformance suite) hold; the training
is :func:`softmax_lab.core.run_training`, the loop the studio and the command line run.
"""

from dataclasses import replace

import numpy as np

try:
    from sklearn.base import BaseEstimator, ClassifierMixin
    from sklearn.utils.multiclass import check_classification_targets
    from sklearn.utils.validation import check_is_fitted, column_or_1d, validate_data
except ImportError as error:  # pragma: no cover (the wheel smoke tries it without scikit-learn)
    raise ImportError("softmax_lab.SoftmaxRegression follows scikit-learn's conventions and "
                      "needs it: pip install 'softmax-lab[sklearn]' (the rest of softmax_lab "
                      "works without it)") from error

from compute.engine.training import Training
from compute.settings import PRESETS
from compute.storage.data import DataPair

from .core import dataset, run_training, settings_from
from .models import Predicting, encode_labels

#: The defaults: the "best" preset (92.6-92.8% MNIST test accuracy in about 0.1 s).
BEST = PRESETS["best"]


class SoftmaxRegression(ClassifierMixin, BaseEstimator, Predicting):
    """Multinomial logistic (softmax) regression trained by Softmax Lab's engine.

    Every parameter is a training setting, as in the studio and ``softmax-lab train``;
    the defaults are the "best" preset.

    Parameters
    ----------
    optimizer : {"sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam"}
    batch_size : int or None
        Samples per update; None (or "full") for full-batch gradient descent.
    learning_rate : float
    epochs : int
        Passes over the training set.
    schedule : {"constant", "step", "inverse", "cosine"}
    l2 : float
        L2 penalty on the weights.
    momentum, beta1, beta2, epsilon, rho : float
        The optimizer's own settings (each optimizer reads its own).
    step_factor, step_epochs, inverse_decay : float
        The schedule's own settings.
    init : {"normal", "zeros"}
    shuffle : bool
    seed : int
        Seeds the initial weights and the order of the samples: the same seed and data
        give the same model, bit for bit (as ``softmax-lab train --seed``).
    eval_every : int
        Measure loss and accuracy on the training set every this many samples (and at
        each epoch's end): ``history_``.
    deskew : bool
        Centre each image and undo its slant first (square images of digits).
    features : {"pixels", "gradients"}
        Train on the values (deskewed or not), or on gradient-orientation histograms of
        them: ``cell``-pixel cells every ``stride`` pixels, ``orientations`` directions.
    history : bool or folder
        Record each ``fit`` in the run history (the studio's History tab), or in this
        folder's; False: do not. ``partial_fit`` is not recorded.

    Attributes
    ----------
    coef_ : ndarray of shape (K, d)
    intercept_ : ndarray of shape (K,)
    classes_ : ndarray of shape (K,)
    n_features_in_ : int
    n_iter_ : int
        Passes over the data made (epochs; one per ``partial_fit`` call).
    history_ : list of softmax_lab.Point
        The points of the last ``fit`` (test figures are NaN: ``fit`` sees no test set).
    history_id_ : int or None
        The last ``fit``'s number in the run history, when recorded.
    """

    def __init__(self, optimizer=BEST.optimizer, batch_size=BEST.batch_size,
                 learning_rate=BEST.learning_rate, epochs=BEST.epochs, schedule=BEST.schedule,
                 l2=BEST.l2, momentum=BEST.momentum, beta1=BEST.beta1, beta2=BEST.beta2,
                 epsilon=BEST.epsilon, rho=BEST.rho, step_factor=BEST.step_factor,
                 step_epochs=BEST.step_epochs, inverse_decay=BEST.inverse_decay, init=BEST.init,
                 shuffle=BEST.shuffle, seed=BEST.seed, eval_every=BEST.eval_every,
                 deskew=BEST.deskew, features=BEST.features, cell=BEST.cell, stride=BEST.stride,
                 orientations=BEST.orientations, history=True):
        self.optimizer = optimizer
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.epochs = epochs
        self.schedule = schedule
        self.l2 = l2
        self.momentum = momentum
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.rho = rho
        self.step_factor = step_factor
        self.step_epochs = step_epochs
        self.inverse_decay = inverse_decay
        self.init = init
        self.shuffle = shuffle
        self.seed = seed
        self.eval_every = eval_every
        self.deskew = deskew
        self.features = features
        self.cell = cell
        self.stride = stride
        self.orientations = orientations
        self.history = history

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags

    def settings(self):
        """The parameters as the engine's :class:`compute.settings.Settings`, checked."""
        values = self.get_params()
        values.pop("history")
        return settings_from(**values)

    # ------------------------------------------------------------------ fitting

    def _data(self, X, y, reset, classes=None):
        X, y = validate_data(self, X, y, reset=reset, accept_sparse="csr", dtype="numeric",
                             multi_output=True)
        y = np.asarray(y)
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        check_classification_targets(y)
        labels, classes = encode_labels(y, classes)
        if len(classes) < 2:
            raise ValueError(f"{type(self).__name__} needs at least 2 classes; y has 1 class "
                             f"({classes[0]!r})")
        return DataPair(dataset(X, labels, classes, "X"), None), classes

    def fit(self, X, y):
        """Train from the initial weights on ``X`` (dense or SciPy CSR, (N, d)) and ``y``
        (labels of any kind, or one-hot rows)."""
        settings = self.settings()
        pair, classes = self._data(X, y, reset=True)
        training = Training(pair, settings)
        self.history_id_ = run_training(training, settings.short_name(), self.history, "python")
        self._keep(training, classes)
        self.history_ = list(training.points)
        self.n_iter_ = settings.epochs
        return self

    def partial_fit(self, X, y, classes=None):
        """One pass over ``X`` and ``y``, from where the last call left the model (the
        optimizer's state too); the first call needs ``classes``, every label there
        will ever be. The learning rate is constant: a schedule needs the run's length."""
        first = not hasattr(self, "classes_")
        if first and classes is None:
            raise ValueError("classes must be passed on the first call to partial_fit")
        if first:
            classes = np.unique(np.asarray(classes))
        pair, classes = self._data(X, y, reset=first, classes=classes if first else self.classes_)
        settings = replace(self.settings(), epochs=1, schedule="constant",
                           seed=self.seed + (0 if first else self.n_iter_))
        from compute.storage.params import Model

        start = None if first else Model(self.coef_, self.intercept_)
        training = Training(pair, settings, model=start)
        if not first:
            training.share_state(self._state)
        run_training(training, "", False, "python")
        self._keep(training, classes)
        passes = 0 if first else self.n_iter_
        point = training.points[-1]
        done = 0 if first else self.history_[-1].samples_seen
        self.history_ = ([] if first else self.history_) + [
            replace(point, samples_seen=done + point.samples_seen, updates=training.updates)]
        self.n_iter_ = passes + 1
        return self

    def _keep(self, training, classes):
        model = training.evaluated.model
        self.coef_ = np.array(model.weights)
        self.intercept_ = np.array(model.bias)
        self.classes_ = classes
        self.inputs_ = training.inputs
        self._state = training.state

    # --------------------------------------------------------------- predicting

    def _checked(self, X):
        check_is_fitted(self)
        return validate_data(self, X, reset=False, accept_sparse="csr", dtype="numeric")
