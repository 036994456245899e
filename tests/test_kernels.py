"""Every kernel against tests/naive.py over edge sizes, dtypes and bad numbers."""

import numpy as np
import pytest

from compute import kernels
from compute.storage.params import Model

import naive

RTOL = 1e-9  # float64 accumulation in both; differences are summation order only
ATOL = 1e-9
# Training keeps its parameters in float32 (kernels.TRAINING_DTYPE): 24-bit mantissas,
# so agreement with the float64 reference is to a few units in the 6th-7th digit.
TOLERANCE = {np.float64: (RTOL, ATOL), np.float32: (2e-5, 2e-6)}
# Adam divides by sqrt(v): where a gradient is near epsilon, summation-order rounding is
# amplified, so over many steps the two implementations agree to this absolute level.
ADAM_ATOL = 1e-6
HYPER = {"momentum": 0.9, "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8, "rho": 0.99, "l2": 0.0}


def rule(name, h):
    return kernels.Optimizer(name, **h)


def train(P, name, h, rows, labels, K, order, batch_size, rates, updates=0):
    """Train ``P`` in place from a fresh optimizer state; returns the state."""
    state = kernels.TrainingState.start(P)
    state.updates = updates
    kernels.train_batches(state, rule(name, h), rows, labels, K, order, batch_size, rates)
    return state


def make_problem(n, d, K, dtype, seed=0):
    rng = np.random.default_rng(seed)
    dense = rng.random((n, d)) * (rng.random((n, d)) < 0.4)  # sparse-ish like MNIST
    if dtype == np.uint8:
        X = np.round(dense * 255).astype(np.uint8)
        X_float = X.astype(np.float32) / np.float32(255)
    else:
        X = dense.astype(dtype)
        X_float = X.astype(np.float32)
    labels = rng.integers(0, K, n).astype(np.int32)
    model = Model(rng.standard_normal((K, d)) * 0.3, rng.standard_normal(K) * 0.1)
    return X, X_float, labels, model


# More than 16 classes take the wide path: 64-lane passes, then 16-lane ones (17 and 20:
# two 16-lane groups; 47 as EMNIST balanced: three; 100: 64 + 3 x 16 lanes).
SHAPES = [(K, d) for K in (2, 3, 10) for d in (1, 5, 784)] + [(17, 5), (20, 5), (47, 30), (100, 20)]


@pytest.mark.parametrize("dtype", [np.float32, np.uint8])
@pytest.mark.parametrize("K,d", SHAPES)
def test_sparse_rows_round_trip(K, d, dtype):
    X, X_float, _, _ = make_problem(37, d, K, dtype)
    rows = kernels.sparse_rows(X)
    assert rows.n_rows == 37 and rows.n_features == d
    np.testing.assert_array_equal(rows.dense(), X_float)
    assert rows.indices.dtype == np.uint16
    # uint8 pixels are stored as codes; these random floats are not k/255, so as floats.
    assert rows.compact == (dtype == np.uint8)
    assert rows.values.dtype == (np.uint8 if dtype == np.uint8 else np.float32)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_floats_that_are_8bit_levels_are_stored_as_codes(dtype):
    pixels = np.random.default_rng(4).integers(0, 256, (40, 30)).astype(np.uint8)
    pixels[pixels < 150] = 0
    X = (pixels / 255.0).astype(dtype)
    rows = kernels.sparse_rows(X)
    assert rows.compact and rows.values.dtype == np.uint8
    np.testing.assert_array_equal(rows.dense(), X.astype(np.float32))
    np.testing.assert_array_equal(rows.dense(), kernels.sparse_rows(pixels).dense())
    X[7, 3] = 0.3  # not k/255: the whole matrix keeps float values
    rows = kernels.sparse_rows(X)
    assert not rows.compact
    np.testing.assert_array_equal(rows.dense(), X.astype(np.float32))


def test_more_than_65536_features_use_int32_indices():
    X = np.zeros((2, 70000), dtype=np.uint8)
    X[1, [3, 66000, 69999]] = [10, 20, 255]
    rows = kernels.sparse_rows(X)
    assert rows.indices.dtype == np.int32
    np.testing.assert_array_equal(rows.dense(), X / np.float32(255))
    model = Model(np.zeros((2, 70000)), np.zeros(2))
    model.weights[1, 69999] = 1.0
    loss, hits = kernels.evaluate_sums(model.packed(), rows, np.array([0, 1], np.int32), 2)
    # row 0 is empty: logits (0, 0); row 1 reaches w[1, 69999]: logits (0, 1)
    assert hits == 2 and loss == pytest.approx(np.log(2) + np.log1p(np.e) - 1)


@pytest.mark.parametrize("p_dtype", [np.float64, np.float32])
@pytest.mark.parametrize("dtype", [np.float32, np.uint8])
@pytest.mark.parametrize("K,d", SHAPES)
def test_evaluate_and_gradient_match_numpy(K, d, dtype, p_dtype):
    n = 2 * kernels.BLOCK_ROWS + 3  # several blocks and a partial one
    X, X_float, labels, model = make_problem(n, d, K, dtype)
    if p_dtype == np.float32:  # the reference sees exactly the parameters the kernel sees
        model = Model.from_packed(model.packed().astype(np.float32), K)
    rtol, atol = TOLERANCE[p_dtype]
    rows = kernels.sparse_rows(X)
    P = model.packed().astype(p_dtype)
    loss, correct = kernels.evaluate_sums(P, rows, labels, K)
    ref_loss, ref_correct = naive.loss_and_hits(model.weights, model.bias, X_float, labels)
    assert loss == pytest.approx(ref_loss, rel=rtol)
    # In float32 a row whose two best logits tie to 1e-6 may go either way.
    assert abs(correct - ref_correct) <= (0 if p_dtype == np.float64 else n // 1000)
    G, g_loss, g_correct = kernels.gradient_sum(P, rows, labels, K, 0, n)
    assert G.dtype == p_dtype
    dW, db = naive.gradient_sum(model.weights, model.bias, X_float, labels)
    # A float32 sum of n terms of size up to 1 is good to roughly n * 1e-7 (measured
    # here: 2e-4 for n = 4099); a float64 sum, to its last digits.
    atol = atol if p_dtype == np.float64 else 1e-6 * n
    np.testing.assert_allclose(G[:d, :K], dW.T, rtol=rtol, atol=atol)
    np.testing.assert_allclose(G[d, :K], db, rtol=rtol, atol=atol)
    assert not G[:, K:].any(), "padding columns must stay zero"
    assert g_loss == pytest.approx(ref_loss, rel=rtol) and g_correct == correct


def test_predictions_and_partial_ranges():
    X, X_float, labels, model = make_problem(5000, 20, 4, np.float32)
    rows = kernels.sparse_rows(X)
    P = model.packed()
    predictions = np.full(5000, -1, dtype=np.int32)
    kernels.evaluate_sums(P, rows, labels, 4, 100, 4200, predictions=predictions)
    expected = naive.logits(model.weights, model.bias, X_float).argmax(axis=1)
    np.testing.assert_array_equal(predictions[100:4200], expected[100:4200])
    assert (predictions[:100] == -1).all() and (predictions[4200:] == -1).all()
    part, _ = kernels.evaluate_sums(P, rows, labels, 4, 100, 4200)
    ref, _ = naive.loss_and_hits(model.weights, model.bias, X_float[100:4200], labels[100:4200])
    assert part == pytest.approx(ref, rel=RTOL)


def test_gradient_matches_finite_differences():
    X, X_float, labels, model = make_problem(50, 6, 3, np.float32, seed=3)
    rows = kernels.sparse_rows(X)
    G, _, _ = kernels.gradient_sum(model.packed(), rows, labels, 3, 0, 50)
    h = 1e-6
    for (k, j) in [(0, 0), (1, 3), (2, 5)]:
        plus, minus = Model(model.weights.copy(), model.bias.copy()), Model(model.weights.copy(), model.bias.copy())
        plus.weights[k, j] += h
        minus.weights[k, j] -= h
        up, _ = kernels.evaluate_sums(plus.packed(), rows, labels, 3)
        down, _ = kernels.evaluate_sums(minus.packed(), rows, labels, 3)
        assert G[j, k] == pytest.approx((up - down) / (2 * h), rel=1e-5, abs=1e-7)
    plus = Model(model.weights.copy(), model.bias.copy())
    plus.bias[1] += h
    minus = Model(model.weights.copy(), model.bias.copy())
    minus.bias[1] -= h
    up, _ = kernels.evaluate_sums(plus.packed(), rows, labels, 3)
    down, _ = kernels.evaluate_sums(minus.packed(), rows, labels, 3)
    assert G[6, 1] == pytest.approx((up - down) / (2 * h), rel=1e-5)


@pytest.mark.parametrize("p_dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", kernels.OPTIMIZERS)
@pytest.mark.parametrize("l2", [0.0, 0.01])
def test_optimizer_step_matches_numpy(name, l2, p_dtype):
    rng = np.random.default_rng(1)
    K, d = 3, 4
    model = Model(rng.standard_normal((K, d)), rng.standard_normal(K))
    grad_model = Model(rng.standard_normal((K, d)), rng.standard_normal(K))
    if p_dtype == np.float32:
        model = Model.from_packed(model.packed().astype(np.float32), K)
        grad_model = Model.from_packed(grad_model.packed().astype(np.float32), K)
    h = dict(HYPER, l2=l2)
    P, G = model.packed().astype(p_dtype), grad_model.packed().astype(p_dtype)
    state = kernels.TrainingState.start(P)
    theta = np.concatenate([model.weights.ravel(), model.bias])
    grad = np.concatenate([grad_model.weights.ravel(), grad_model.bias])
    is_weight = np.concatenate([np.ones(K * d, bool), np.zeros(K, bool)])
    ref_state = (np.zeros_like(theta), np.zeros_like(theta))
    for step in (1, 2, 3):
        state.gradient[:] = G
        kernels.optimizer_step(state, rule(name, h), 0.05)
        assert state.updates == step
        assert not state.gradient.any(), "the step leaves the gradient zeroed for the next batch"
        theta, ref_state = naive.optimizer_step(name, theta, grad, ref_state, step, 0.05, h, is_weight)
    got = Model.from_packed(P, K)
    rtol = 1e-12 if p_dtype == np.float64 else 1e-6  # float32: rounded after each step
    np.testing.assert_allclose(got.weights.ravel(), theta[:K * d], rtol=rtol)
    np.testing.assert_allclose(got.bias, theta[K * d:], rtol=rtol)
    assert not P[:, K:].any()


@pytest.mark.parametrize("p_dtype", [np.float64, np.float32])
@pytest.mark.parametrize("dtype", [np.float32, np.uint8])
@pytest.mark.parametrize("K,d", [(2, 1), (3, 5), (10, 784), (17, 5), (47, 30), (100, 20)])
@pytest.mark.parametrize("batch_size", [1, 7, 64])
@pytest.mark.parametrize("name", ["sgd", "adam"])
def test_train_batches_matches_numpy(K, d, dtype, batch_size, name, p_dtype):
    n = 130  # 130 = 18*7 + 4 = 2*64 + 2: a last partial batch for 7 and 64
    X, X_float, labels, model = make_problem(n, d, K, dtype, seed=K * d)
    if p_dtype == np.float32:
        model = Model.from_packed(model.packed().astype(np.float32), K)
    rows = kernels.sparse_rows(X)
    order = np.random.default_rng(5).permutation(n).astype(np.int64)
    n_updates = -(-n // batch_size)
    rates = np.linspace(0.3, 0.1, n_updates) * (0.01 if name == "adam" else 1.0)
    h = dict(HYPER, l2=0.0 if batch_size == 1 else 0.001)
    P = model.packed().astype(p_dtype)
    state = train(P, name, h, rows, labels, K, order, batch_size, rates)
    assert state.updates == n_updates
    W, b = naive.train_batches(name, model.weights, model.bias, X_float, labels, order,
                               batch_size, rates, h)
    got = Model.from_packed(P, K)
    if p_dtype == np.float64:
        rtol, atol = 1e-7, (ADAM_ATOL if name == "adam" else 1e-10)
    else:  # float32 rounding after every update, compounded over up to 130 updates
        rtol, atol = 1e-4, (1e-4 if name == "adam" else 1e-5)
    np.testing.assert_allclose(got.weights, W, rtol=rtol, atol=atol)
    np.testing.assert_allclose(got.bias, b, rtol=rtol, atol=atol)


def test_tiny_probabilities_count_as_zero_in_updates():
    # Logits 95 apart: the second class's probability, e^-95, is a subnormal float32.
    # Subnormal arithmetic is ~100x slower, so it must not reach the parameters.
    X = np.array([[0.5, 0.0, 1.0]], dtype=np.float32)
    P = Model(np.zeros((2, 3)), np.array([95.0, 0.0])).packed().astype(np.float32)
    before = P.copy()
    train(P, "sgd", HYPER, kernels.sparse_rows(X), np.array([0], dtype=np.int32), 2,
          np.arange(1), 1, np.array([0.5]))
    tiny = np.finfo(np.float32).tiny
    assert ((P == 0) | (np.abs(P) >= tiny)).all(), "no subnormal parameters"
    np.testing.assert_array_equal(P, before)  # a change of 1e-42 is no change
    loss, _ = kernels.evaluate_sums(P.astype(np.float64), kernels.sparse_rows(X),
                                    np.array([1], dtype=np.int32), 2)
    assert loss == pytest.approx(95.0)  # losses still see the exact probabilities


def test_train_batches_split_into_calls_is_identical():
    X, _, labels, model = make_problem(300, 12, 4, np.float32)
    rows = kernels.sparse_rows(X)
    order = np.arange(300, dtype=np.int64)
    rates = np.full(30, 0.2)
    whole = model.packed()
    train(whole, "momentum", HYPER, rows, labels, 4, order, 10, rates)
    split = model.packed()
    state = kernels.TrainingState.start(split)
    momentum = rule("momentum", HYPER)
    for start, stop in [(0, 50), (50, 180), (180, 300)]:
        kernels.train_batches(state, momentum, rows, labels, 4, order[start:stop], 10,
                              rates[start // 10:stop // 10])
    assert state.updates == 30
    np.testing.assert_array_equal(whole, split)


def test_results_do_not_depend_on_thread_count():
    import numba

    X, _, labels, model = make_problem(3 * kernels.BLOCK_ROWS + 5, 30, 5, np.float32)
    rows = kernels.sparse_rows(X)
    P = model.packed()
    before = numba.get_num_threads()
    try:
        results = []
        for threads in (1, before):
            numba.set_num_threads(threads)
            G, loss, _ = kernels.gradient_sum(P, rows, labels, 5, 0, rows.n_rows)
            results.append((G, kernels.evaluate_sums(P, rows, labels, 5)[0], loss))
    finally:
        numba.set_num_threads(before)
    np.testing.assert_array_equal(results[0][0], results[1][0])
    assert results[0][1] == results[1][1] and results[0][2] == results[1][2]


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_nan_and_inf_propagate_instead_of_hiding(bad):
    X, _, labels, model = make_problem(20, 5, 3, np.float32)
    X[4, 2] = bad
    rows = kernels.sparse_rows(X)
    loss, _ = kernels.evaluate_sums(model.packed(), rows, labels, 3)
    assert np.isnan(loss) or np.isinf(loss)
    model.weights[1, 2] = np.nan
    clean_rows = kernels.sparse_rows(np.nan_to_num(X, nan=0.5, posinf=1, neginf=0))
    loss, _ = kernels.evaluate_sums(model.packed(), clean_rows, labels, 3)
    assert np.isnan(loss)


def test_probabilities_match_numpy_softmax():
    X, X_float, _, model = make_problem(6, 784, 10, np.float32)
    got = kernels.probabilities(model.packed(), X_float, 10)
    np.testing.assert_allclose(got, naive.softmax(naive.logits(model.weights, model.bias, X_float)),
                               rtol=1e-9)
    np.testing.assert_allclose(got.sum(axis=1), 1.0)


def test_public_layer_rejects_wrong_arguments():
    X, _, labels, model = make_problem(10, 5, 3, np.float32)
    rows = kernels.sparse_rows(X)
    with pytest.raises(TypeError, match="float32 or float64"):
        kernels.evaluate_sums(model.packed().astype(np.float16), rows, labels, 3)
    P = model.packed().astype(np.float32)
    state = kernels.TrainingState(P, np.zeros(P.shape), np.zeros((2,) + P.shape, P.dtype))
    with pytest.raises(TypeError, match="like the parameters"):
        kernels.optimizer_step(state, rule("sgd", HYPER), 0.1)
    with pytest.raises(TypeError, match="Optimizer"):
        kernels.optimizer_step(kernels.TrainingState.start(P), "sgd", 0.1)
    with pytest.raises(ValueError, match="one of sgd, momentum"):
        kernels.Optimizer("sgdd")
    with pytest.raises(TypeError, match="like P"):
        kernels.gradient_sum(P, rows, labels, 3, 0, 10, out=np.zeros(P.shape))
    with pytest.raises(ValueError, match="features"):
        kernels.evaluate_sums(Model(np.zeros((3, 4)), np.zeros(3)).packed(), rows, labels, 3)
    with pytest.raises(ValueError, match="int32"):
        kernels.evaluate_sums(model.packed(), rows, labels.astype(np.int64), 3)
    with pytest.raises(TypeError, match="SparseRows"):
        kernels.evaluate_sums(model.packed(), X, labels, 3)
    with pytest.raises(TypeError, match="uint8"):
        kernels.sparse_rows(np.zeros((2, 2), dtype=np.int16))


def test_evaluation_split_on_block_boundaries_is_identical():
    X, _, labels, model = make_problem(5 * kernels.BLOCK_ROWS + 11, 40, 10, np.float32)
    rows = kernels.sparse_rows(X)
    P = model.packed()
    whole, hits = kernels.evaluate_sums(P, rows, labels, 10)
    loss, split_hits = 0.0, 0
    edges = [0, kernels.BLOCK_ROWS, 4 * kernels.BLOCK_ROWS, rows.n_rows]
    for start, stop in zip(edges, edges[1:]):
        loss, part = kernels.evaluate_sums(P, rows, labels, 10, start, stop, loss_start=loss)
        split_hits += part
    assert loss == whole and split_hits == hits


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_value_range_matches_numpy(dtype):
    X = np.random.default_rng(2).random((300, 17)).astype(dtype) * 3 - 1
    low, high, bad = kernels.value_range(X)
    assert (low, high, bad) == (float(X.min()), float(X.max()), -1)
    X[120, 4] = np.nan
    X[250, 0] = np.inf
    assert kernels.value_range(X)[2] == 120


@pytest.mark.parametrize("dtype", [np.float16, np.dtype(">f4"), np.dtype(">f8"), np.float64])
def test_any_float_width_and_byte_order_converts_to_the_same_rows(dtype):
    pixels = np.random.default_rng(6).integers(0, 256, (50, 12)).astype(np.uint8)
    pixels[pixels < 120] = 0
    X = (pixels / 255.0).astype(dtype)
    rows = kernels.sparse_rows(X)
    np.testing.assert_array_equal(rows.dense(), X.astype(np.float32))
    assert rows.compact == (np.dtype(dtype).itemsize >= 4)  # float16 cannot hold k/255 exactly


def test_rows_converted_in_blocks_equal_rows_converted_at_once():
    X, X_float, _, _ = make_problem(300, 9, 3, np.uint8)
    whole = kernels.sparse_rows(X)
    blocks = kernels.concatenate_rows([kernels.sparse_rows(X[a:a + 64]) for a in range(0, 300, 64)])
    for name in ("indptr", "indices", "values"):
        np.testing.assert_array_equal(getattr(blocks, name), getattr(whole, name))
    assert blocks.compact
    mixed = X_float.copy()
    mixed[250, 3] = 0.3  # not a level: that block keeps floats, so all of it does
    parts = [kernels.sparse_rows(mixed[a:a + 64]) for a in range(0, 300, 64)]
    assert [p.compact for p in parts] == [True, True, True, False, True]
    joined = kernels.concatenate_rows(parts)
    assert not joined.compact
    np.testing.assert_array_equal(joined.dense(), mixed)


def test_nan_and_inf_are_stored_and_reported():
    X = np.zeros((4, 5), np.float32)
    X[1, 2], X[3, 0], X[3, 4] = np.nan, np.inf, 0.5
    scan = kernels.scan_rows(X)
    assert scan.first_nonfinite == 1 and list(scan.counts) == [0, 1, 0, 2]
    rows = kernels.sparse_rows(X, scan)
    assert rows.values.shape[0] == 3 and not rows.compact
    np.testing.assert_array_equal(rows.dense(), X)
