"""Obviously-correct numpy float64 versions of every kernel, for the tests to compare with.

Orientation is the course's: weights (K, d), bias (K,), dense X (N, d).
"""

import numpy as np


def softmax(Z):
    Z = Z - Z.max(axis=1, keepdims=True)
    E = np.exp(Z)
    return E / E.sum(axis=1, keepdims=True)


def logits(weights, bias, X):
    return X.astype(np.float64) @ weights.T + bias


def loss_and_hits(weights, bias, X, labels):
    Z = logits(weights, bias, X)
    top = Z.max(axis=1, keepdims=True)
    log_norm = top[:, 0] + np.log(np.exp(Z - top).sum(axis=1))
    losses = log_norm - Z[np.arange(len(labels)), labels]
    return losses.sum(), int((Z.argmax(axis=1) == labels).sum())


def gradient_sum(weights, bias, X, labels):
    """Summed gradient of the cross-entropy over the rows of X: (dW (K, d), db (K,))."""
    delta = softmax(logits(weights, bias, X))
    delta[np.arange(len(labels)), labels] -= 1.0
    return delta.T @ X.astype(np.float64), delta.sum(axis=0)


def optimizer_step(name, theta, grad, state, step, lr, hyper, is_weight):
    """One update of a flat parameter vector; returns (theta, state). ``hyper`` is a dict."""
    g = grad + np.where(is_weight, hyper["l2"], 0.0) * theta
    m, v = state
    if name == "sgd":
        return theta - lr * g, (m, v)
    if name == "momentum":
        m = hyper["momentum"] * m + g
        return theta - lr * m, (m, v)
    if name == "nesterov":
        m = hyper["momentum"] * m + g
        return theta - lr * (g + hyper["momentum"] * m), (m, v)
    if name == "adagrad":
        m = m + g * g
        return theta - lr * g / (np.sqrt(m) + hyper["epsilon"]), (m, v)
    if name == "rmsprop":
        m = hyper["rho"] * m + (1 - hyper["rho"]) * g * g
        return theta - lr * g / (np.sqrt(m) + hyper["epsilon"]), (m, v)
    if name == "adam":
        b1, b2 = hyper["beta1"], hyper["beta2"]
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        m_hat = m / (1 - b1**step)
        v_hat = v / (1 - b2**step)
        return theta - lr * m_hat / (np.sqrt(v_hat) + hyper["epsilon"]), (m, v)
    raise ValueError(name)


def train_batches(name, weights, bias, X, labels, order, batch_size, rates, hyper):
    """Mini-batch training over ``order``, one update per batch (last may be partial)."""
    K, d = weights.shape
    theta = np.concatenate([weights.ravel(), bias])
    is_weight = np.concatenate([np.ones(K * d, bool), np.zeros(K, bool)])
    state = (np.zeros_like(theta), np.zeros_like(theta))
    for u, start in enumerate(range(0, len(order), batch_size)):
        rows = order[start:start + batch_size]
        W, b = theta[:K * d].reshape(K, d), theta[K * d:]
        dW, db = gradient_sum(W, b, X[rows], labels[rows])
        grad = np.concatenate([dW.ravel(), db]) / len(rows)
        theta, state = optimizer_step(name, theta, grad, state, u + 1, rates[u], hyper, is_weight)
    return theta[:K * d].reshape(K, d), theta[K * d:]
