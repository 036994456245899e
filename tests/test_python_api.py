"""Softmax Lab from Python, on real MNIST, as a notebook uses it: the same models as the
command line (bit for bit), CSR as dense, files both ways, labels of any kind, runs in
the history, and scikit-learn's own conformance suite."""

import inspect
import json
import re
import warnings
from dataclasses import fields
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse

import softmax_lab
from softmax_lab import SoftmaxRegression

from commands import softmax_lab as command

README = Path(__file__).resolve().parents[1] / "README.md"
NAMES = np.array(["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"])


@pytest.fixture(scope="module")
def mnist_arrays(mnist_dir):
    return softmax_lab.load_dataset(mnist_dir)


@pytest.fixture(scope="module")
def best(mnist_arrays):
    X_train, y_train, _, _ = mnist_arrays
    return SoftmaxRegression(history=False).fit(X_train, y_train)


def test_the_public_names_are_there_and_the_parameters_are_the_settings():
    for name in softmax_lab.__all__:
        assert getattr(softmax_lab, name) is not None, name
    from compute.settings import PRESETS, Settings

    parameters = set(inspect.signature(SoftmaxRegression).parameters)
    assert parameters == {f.name for f in fields(Settings)} | {"history"}
    estimator = SoftmaxRegression()
    assert estimator.settings() == PRESETS["best"]  # the defaults are the best preset
    assert set(estimator.get_params()) == parameters
    with pytest.raises(TypeError, match="unknown setting 'learning_rat'"):
        softmax_lab.train(None, learning_rat=0.1)
    with pytest.raises(ValueError, match="learning rate must be a number > 0"):
        SoftmaxRegression(learning_rate=-1).fit(np.eye(2), [0, 1])


def test_fit_equals_the_command_line_bit_for_bit(best, mnist_dir, tmp_path):
    saved = tmp_path / "best.hdf5"
    done = command("train", "--data", mnist_dir, "--preset", "best", "--no-history", "--quiet",
                   "--save", saved)
    assert done.returncode == 0, done.stderr
    from_file = softmax_lab.load(saved)
    assert np.array_equal(best.coef_, from_file.coef_)
    assert np.array_equal(best.intercept_, from_file.intercept_)
    assert list(from_file.classes_) == list(range(10)) and list(best.classes_) == list(range(10))
    assert best.coef_.shape == (10, 784) and best.intercept_.shape == (10,)
    assert best.n_features_in_ == 784 and best.n_iter_ == 2
    # Points every 60,000 samples: the start and each epoch's end, training set only.
    assert [p.samples_seen for p in best.history_] == [0, 60_000, 120_000]
    assert all(np.isnan(p.test_accuracy) for p in best.history_)
    assert best.history_[-1].train_accuracy > 0.93


def test_train_equals_the_command_line_and_calls_back_each_point(mnist_dir, tmp_path):
    metrics = tmp_path / "points.csv"
    done = command("train", "--data", mnist_dir, "--preset", "seed-minibatch100", "--no-history",
                   "--quiet", "--json", "--metrics", metrics, "--save", tmp_path / "cli.hdf5")
    assert done.returncode == 0, done.stderr
    seen = []
    run = softmax_lab.train(mnist_dir, "seed-minibatch100", on_point=seen.append, history=False)
    assert seen == run.points and len(run.points) == 13  # every 5,000 samples, and the start
    cli = softmax_lab.load(tmp_path / "cli.hdf5")
    assert np.array_equal(run.model.coef_, cli.coef_)
    assert run.test_accuracy == json.loads(done.stdout)["test_accuracy"]
    columns = run.columns()
    assert columns["samples_seen"][-1] == 60_000 and columns["test_accuracy"][-1] == run.test_accuracy
    assert run.history_id is None


def test_csr_input_equals_dense_and_is_not_densified(mnist_arrays, monkeypatch):
    X_train, y_train, X_test, y_test = mnist_arrays
    X, y = X_train[:12_000], y_train[:12_000]
    dense = SoftmaxRegression(history=False, epochs=1).fit(X, y)
    csr = scipy.sparse.csr_matrix(X)
    monkeypatch.setattr(type(csr), "toarray", lambda *a, **k: pytest.fail("densified"))
    from compute.storage.inputs import rows_of

    rows = rows_of(csr)
    assert rows.values.base is csr.data or rows.values is csr.data  # float32 values, as they are
    sparse = SoftmaxRegression(history=False, epochs=1).fit(csr, y)
    assert np.array_equal(dense.coef_, sparse.coef_) and np.array_equal(dense.intercept_, sparse.intercept_)
    test = scipy.sparse.csr_matrix(X_test)
    assert np.array_equal(sparse.predict(test), dense.predict(X_test))
    assert np.allclose(sparse.predict_proba(test), dense.predict_proba(X_test))


def test_any_number_type_gives_the_same_model(mnist_arrays):
    X_train, y_train, _, _ = mnist_arrays
    pixels = np.rint(X_train[:3000] * 255).astype(np.uint8)
    y = y_train[:3000]
    reference = SoftmaxRegression(history=False, epochs=1).fit(pixels.astype(np.float32), y)
    for kind in (np.uint8, np.int16, np.int64, np.float64):
        model = SoftmaxRegression(history=False, epochs=1).fit(pixels.astype(kind), y)
        assert np.array_equal(model.coef_, reference.coef_), kind


def test_a_model_saved_from_python_evaluates_the_same_on_the_command_line(best, mnist_arrays, mnist_dir, tmp_path):
    _, _, X_test, y_test = mnist_arrays
    path = tmp_path / "notebook.hdf5"
    softmax_lab.save(path, best)
    done = command("evaluate", "--params", path, "--data", mnist_dir, "--json")
    assert done.returncode == 0, done.stderr
    evaluated = json.loads(done.stdout)
    assert evaluated["accuracy"] == best.score(X_test, y_test)
    probabilities = best.predict_proba(X_test)
    loss = -np.mean(np.log(probabilities[np.arange(len(y_test)), y_test]))
    assert evaluated["loss"] == pytest.approx(loss, rel=1e-9)
    loaded = softmax_lab.load(path)
    assert np.array_equal(loaded.predict(X_test), best.predict(X_test))


def test_string_labels_round_trip_through_a_file_and_the_command_line(mnist_arrays, mnist_dir, tmp_path):
    X_train, y_train, X_test, y_test = mnist_arrays
    model = SoftmaxRegression(history=False, epochs=1).fit(X_train[:20_000], NAMES[y_train[:20_000]])
    assert list(model.classes_) == sorted(NAMES)
    predicted = model.predict(X_test)
    assert predicted.dtype.kind == "U" and model.score(X_test, NAMES[y_test]) > 0.88
    path = tmp_path / "named.hdf5"
    model.save(path)
    loaded = softmax_lab.load(path)
    assert list(loaded.classes_) == list(model.classes_)
    assert np.array_equal(loaded.predict(X_test), predicted)
    # The studio and the command line read the names the file records.
    from compute.storage import params

    _, attributes = params.load(path)
    assert params.recorded_class_names(attributes, 10) == tuple(sorted(NAMES))
    done = command("evaluate", "--params", path, "--data", mnist_dir, "--json")
    assert done.returncode == 0, done.stderr


def test_one_hot_rows_and_arrays_for_train(mnist_arrays):
    X_train, y_train, X_test, y_test = mnist_arrays
    one_hot = np.eye(10, dtype=np.float32)[y_train[:6000]]
    model = SoftmaxRegression(history=False, epochs=1).fit(X_train[:6000], one_hot)
    labels = SoftmaxRegression(history=False, epochs=1).fit(X_train[:6000], y_train[:6000])
    assert np.array_equal(model.coef_, labels.coef_)
    run = softmax_lab.train((X_train[:6000], y_train[:6000], X_test, y_test), "seed-minibatch100",
                            history=False)
    assert run.test_accuracy > 0.8 and np.isfinite(run.points[-1].test_loss)
    two_labels = np.zeros((10, 10))
    two_labels[:, :2] = 1  # a row with two classes is not one-hot
    with pytest.raises(ValueError, match="one-hot rows"):
        SoftmaxRegression(history=False).fit(X_train[:10], two_labels)


def test_partial_fit_goes_on_from_where_it_stopped(mnist_arrays):
    X_train, y_train, X_test, y_test = mnist_arrays
    model = SoftmaxRegression(history=False, learning_rate=0.005)
    with pytest.raises(ValueError, match="classes must be passed"):
        model.partial_fit(X_train[:100], y_train[:100])
    for first in range(0, 30_000, 10_000):
        model.partial_fit(X_train[first:first + 10_000], y_train[first:first + 10_000], classes=range(10))
    assert model.n_iter_ == 3 and model.history_[-1].samples_seen == 30_000
    assert model.score(X_test, y_test) > 0.89
    with pytest.raises(ValueError, match="784 features"):
        model.partial_fit(X_train[:10, :700], y_train[:10])


def test_runs_from_python_are_recorded_in_the_history_unless_told_not_to(mnist_arrays, mnist_dir, tmp_path):
    from compute.storage.history import History

    folder = tmp_path / "history"
    X_train, y_train, _, _ = mnist_arrays
    run = softmax_lab.train(mnist_dir, "best", history=folder, name="from a notebook")
    fitted = SoftmaxRegression(history=folder, epochs=1).fit(X_train[:5000], y_train[:5000])
    SoftmaxRegression(history=False).fit(X_train[:5000], y_train[:5000])
    with History(folder) as history:
        records = {record.id: record for record in history.records()}
        assert set(records) == {run.history_id, fitted.history_id_}
        recorded = records[run.history_id]
        assert (recorded.name, recorded.source, recorded.status) == ("from a notebook", "python", "finished")
        assert recorded.test_accuracy == run.test_accuracy and recorded.n_points == len(run.points)
        assert recorded.data_folder == str(Path(mnist_dir).resolve())
        model, _ = history.model(run.history_id)
        assert np.array_equal(model.weights, run.model.coef_)
        assert records[fitted.history_id_].status == "finished"


def test_bad_input_is_one_clear_error(tmp_path):
    from compute.errors import DataError

    with pytest.raises(DataError, match=re.escape(str(tmp_path / "nowhere")) + ": no such folder"):
        softmax_lab.load_dataset(tmp_path / "nowhere")
    (tmp_path / "not.hdf5").write_text("hello")
    with pytest.raises(DataError, match="not.hdf5"):
        softmax_lab.load(tmp_path / "not.hdf5")
    with pytest.raises(ValueError, match="at least 2 classes"):
        SoftmaxRegression(history=False).fit(np.eye(3), [1, 1, 1])
    with pytest.raises(ValueError, match="NaN"):
        SoftmaxRegression(history=False).fit(np.array([[np.nan, 1.0], [0.0, 1.0]]), [0, 1])


def skipped_checks_in_the_readme():
    """The checks the README lists as skipped or expected to fail, with their reasons."""
    text = README.read_text()
    section = text[text.index("<!-- sklearn-checks -->"):text.index("<!-- /sklearn-checks -->")]
    return set(re.findall(r"^- `(check_\w+)`", section, flags=re.MULTILINE))


def test_scikit_learns_conformance_suite_passes():
    from sklearn.utils.estimator_checks import check_estimator

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        results = check_estimator(SoftmaxRegression(history=False), on_fail=None)
    failed = {r["check_name"]: r["exception"] for r in results if r["status"] == "failed"}
    assert not failed, failed
    not_run = {r["check_name"] for r in results if r["status"] != "passed"}
    assert len(results) > 40
    assert not_run == skipped_checks_in_the_readme()


@pytest.mark.slow
def test_the_notebook_example_runs(mnist_dir, tmp_path):
    import subprocess
    import sys

    script = Path(__file__).resolve().parents[1] / "scripts" / "notebook_example.py"
    done = subprocess.run([sys.executable, script, mnist_dir], capture_output=True, text=True,
                          cwd=tmp_path, timeout=600)
    assert done.returncode == 0, done.stderr
    assert "SoftmaxRegression: test accuracy 0.92" in done.stdout
    assert "seed-minibatch100: test accuracy 0.9" in done.stdout
    assert " 5,000 samples: test loss" in done.stdout  # on_point, live
    assert (tmp_path / "notebook-model.hdf5").is_file()


@pytest.mark.slow
def test_the_bench_row_times_softmax_regression_against_scikit_learn(mnist_dir):
    from softmax_lab.benchmark import against_sklearn, format_rows

    report = against_sklearn(mnist_dir, repeats=1, rows=2000)
    names = ("softmax_regression", "softmax_regression_fresh_array", "logistic_regression",
             "sgd_classifier")
    for name in names:
        assert report[name]["seconds"] > 0 and 0.8 < report[name]["test_accuracy"] <= 1, name
    assert report["train_samples"] == 2000 and isinstance(report["met"], bool)
    assert report["speedup_vs_logistic_regression"] == pytest.approx(
        report["logistic_regression"]["seconds"] / report["softmax_regression_fresh_array"]["seconds"])
    text = format_rows(report)
    assert "SoftmaxRegression().fit" in text and "LogisticRegression" in text and "SGDClassifier" in text


def test_a_notebook_model_opens_in_the_studio(qtbot, studio, best, mnist_arrays, tmp_path):
    from compute.engine.runs import RunStatus

    _, _, X_test, y_test = mnist_arrays
    path = tmp_path / "notebook.hdf5"
    best.save(path)
    studio.loadParamsRequested.emit(str(path))
    qtbot.waitUntil(lambda: len(studio.runs.all_runs()) == 1, timeout=60_000)
    (run,) = studio.runs.all_runs()
    assert run.status == RunStatus.LOADED and run.name == "notebook.hdf5"
    assert run.last.test_accuracy == best.score(X_test, y_test)
