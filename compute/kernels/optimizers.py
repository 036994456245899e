"""Update rules: one step of each optimizer over the parameters, compiled.

The rule and its settings arrive as :meth:`compute.kernels.rules.Optimizer.kernel_arguments`
made them: an integer code (the position in :data:`OPTIMIZERS`) and a float64 array
(the fields after the name, in order).
"""

from collections import namedtuple
from dataclasses import fields

import numpy as np

from .config import jit
from .rules import OPTIMIZERS, Optimizer

SGD, MOMENTUM, NESTEROV, ADAGRAD, RMSPROP, ADAM = range(len(OPTIMIZERS))


# Positions in the settings array: the fields of Optimizer after its name.
_MOMENTUM, _BETA1, _BETA2, _EPSILON, _RHO, L2 = range(len(fields(Optimizer)) - 1)

#: The constants of one step, in the parameters' precision.
_Rule = namedtuple("_Rule", ["momentum", "beta1", "beta2", "epsilon", "rho", "share1", "share2",
                             "share_rho", "correction1", "correction2"])


@jit
def _update(p, g, s0, s1, decay, rate, optimizer, rule):
    """One optimizer rule over flat arrays, in their precision; zeroes ``g`` as it goes.

    One loop per rule, the choice outside it: with the choice inside, no loop was
    vectorised (measured: an Adam step over MNIST's float32 parameters 52 us, now 10 us).
    ``share1`` is the weight of a new gradient in a moving average (``1 - beta1``);
    ``correction1`` is Adam's bias correction (``1 - beta1**step``).
    """
    n = p.shape[0]
    if optimizer == SGD:
        for i in range(n):
            gi = g[i] + decay * p[i]
            g[i] = 0.0
            p[i] -= rate * gi
    elif optimizer == MOMENTUM:
        for i in range(n):
            gi = g[i] + decay * p[i]
            g[i] = 0.0
            s0[i] = rule.momentum * s0[i] + gi
            p[i] -= rate * s0[i]
    elif optimizer == NESTEROV:
        for i in range(n):
            gi = g[i] + decay * p[i]
            g[i] = 0.0
            s0[i] = rule.momentum * s0[i] + gi
            p[i] -= rate * (gi + rule.momentum * s0[i])
    elif optimizer == ADAGRAD:
        for i in range(n):
            gi = g[i] + decay * p[i]
            g[i] = 0.0
            s0[i] += gi * gi
            p[i] -= rate * gi / (np.sqrt(s0[i]) + rule.epsilon)
    elif optimizer == RMSPROP:
        for i in range(n):
            gi = g[i] + decay * p[i]
            g[i] = 0.0
            s0[i] = rule.rho * s0[i] + rule.share_rho * gi * gi
            p[i] -= rate * gi / (np.sqrt(s0[i]) + rule.epsilon)
    else:
        for i in range(n):
            gi = g[i] + decay * p[i]
            g[i] = 0.0
            s0[i] = rule.beta1 * s0[i] + rule.share1 * gi
            s1[i] = rule.beta2 * s1[i] + rule.share2 * gi * gi
            p[i] -= rate * (s0[i] / rule.correction1) / (np.sqrt(s1[i] / rule.correction2) + rule.epsilon)


@jit
def optimizer_step(P, G, state, step, learning_rate, optimizer, settings):
    """Apply one update to ``P`` from the mean gradient ``G``, and zero ``G``.

    ``step`` counts updates from 1 (Adam's bias correction). L2 weight decay adds
    ``l2 * w`` to the gradient of the weights, not of the bias (the last row).
    Zeroing ``G`` here, while it is in cache, saves the next batch a pass over it.
    Arithmetic is in the precision of ``P`` (float32 while training).
    """
    real = P.dtype.type
    beta1, beta2, rho = settings[_BETA1], settings[_BETA2], settings[_RHO]
    # Complements in float64 first: 1 - float32(0.999) is 1.3e-5 off in relative terms.
    rule = _Rule(real(settings[_MOMENTUM]), real(beta1), real(beta2), real(settings[_EPSILON]),
                 real(rho), real(1.0 - beta1), real(1.0 - beta2), real(1.0 - rho),
                 real(1.0 - beta1**step), real(1.0 - beta2**step))
    rate = real(learning_rate)
    size = P.size
    weights = size - size // P.shape[0]  # every row but the bias row, which takes no decay
    p = P.reshape(size)
    g = G.reshape(size)
    s0 = state[0].reshape(size)
    s1 = state[1].reshape(size)
    _update(p[:weights], g[:weights], s0[:weights], s1[:weights], real(settings[L2]), rate,
            optimizer, rule)
    _update(p[weights:], g[weights:], s0[weights:], s1[weights:], real(0.0), rate, optimizer, rule)
