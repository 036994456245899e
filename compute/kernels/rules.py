"""The optimizers by name, and the settings of each: the kernels' vocabulary, which
callers choose from (numba-free, so that a command line can list them without compiling
anything).

The kernels take an :class:`Optimizer` as an integer code and an array of floats, made
in one place, :meth:`Optimizer.kernel_arguments`, and read back in one place,
:func:`compute.kernels.optimizers.optimizer_step`.
"""

from dataclasses import astuple, dataclass

import numpy as np

#: The update rules, in the order of their codes inside the kernels.
OPTIMIZERS = ("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam")


#: The settings each rule reads, beyond the learning rate and L2.
READS = {
    "sgd": (),
    "momentum": ("momentum",),
    "nesterov": ("momentum",),
    "adagrad": ("epsilon",),
    "rmsprop": ("rho", "epsilon"),
    "adam": ("beta1", "beta2", "epsilon"),
}


@dataclass(frozen=True)
class Optimizer:
    """An update rule and its settings.

    Attributes
    ----------
    name : str
        One of :data:`OPTIMIZERS`.
    momentum : float
        Velocity decay of ``momentum`` and ``nesterov``.
    beta1, beta2 : float
        Moment decays of ``adam``.
    epsilon : float
        Added to the root of the squared-gradient average (``adagrad``, ``rmsprop``, ``adam``).
    rho : float
        Squared-gradient decay of ``rmsprop``.
    l2 : float
        Weight decay: ``l2 * w`` is added to the gradient of the weights (not the bias).
    """

    name: str = "sgd"
    momentum: float = 0.9
    beta1: float = 0.9
    beta2: float = 0.999
    epsilon: float = 1e-8
    rho: float = 0.99
    l2: float = 0.0

    def __post_init__(self):
        if self.name not in OPTIMIZERS:
            raise ValueError(f"optimizer must be one of {', '.join(OPTIMIZERS)}; got {self.name!r}")

    def kernel_arguments(self):
        """(code, settings as float64 array in field order), as the kernels take them."""
        return OPTIMIZERS.index(self.name), np.array(astuple(self)[1:], dtype=np.float64)
