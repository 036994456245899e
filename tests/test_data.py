"""Data files: the course schema, IDX, and a clear one-line error for every bad input."""

import gzip
import shutil

import h5py
import numpy as np
import pytest

from compute.storage import data
from compute.storage.data import DataError


def write_course_file(path, X, Y):
    with h5py.File(path, "w") as f:
        f["xdata"] = X
        f["ydata"] = Y
    return path


def small_pair(tmp_path, K=3, d=5, n=40):
    rng = np.random.default_rng(0)
    X = rng.random((n, d)).astype(np.float32)
    labels = np.arange(n) % K
    train = write_course_file(tmp_path / "train.hdf5", X, np.eye(K, dtype=np.float32)[labels])
    test = write_course_file(tmp_path / "test.hdf5", X[:10], labels[:10])
    return train, test


def test_small_course_files_with_any_k_and_d(tmp_path):
    train, test = small_pair(tmp_path, K=3, d=5)
    pair = data.load_files(train, test)
    assert (pair.n_classes, pair.n_features) == (3, 5)
    assert pair.train.n_samples == 40 and pair.test.n_samples == 10
    np.testing.assert_array_equal(pair.train.labels, np.arange(40) % 3)
    assert pair.train.image_shape is None


def test_uint8_pixels_and_integer_labels(tmp_path):
    X = np.array([[0, 255, 128], [7, 0, 0]], dtype=np.uint8)
    path = write_course_file(tmp_path / "u8.hdf5", X, np.array([1, 0]))
    pair = data.load_files(path, path)
    np.testing.assert_allclose(pair.train.rows.dense(), X / 255.0, rtol=1e-6)
    np.testing.assert_array_equal(pair.train.labels, [1, 0])


def test_real_mnist_hdf5_and_idx_agree(mnist_dir, tmp_path):
    for name in data.IDX_NAMES.values():
        shutil.copy(mnist_dir / "idx" / f"{name}.gz", tmp_path)
    # one file raw, to cover both forms
    raw = tmp_path / data.IDX_NAMES["test_labels"]
    raw.write_bytes(gzip.decompress((tmp_path / f"{raw.name}.gz").read_bytes()))
    (tmp_path / f"{raw.name}.gz").unlink()
    idx = data.load_folder(tmp_path)
    hdf5 = data.load_folder(mnist_dir)
    assert idx.describe() == hdf5.describe() == "60,000 train / 10,000 test, K=10 classes, d=784 features"
    np.testing.assert_array_equal(idx.train.labels, hdf5.train.labels)
    np.testing.assert_array_equal(idx.test.labels, hdf5.test.labels)
    np.testing.assert_allclose(idx.train.rows.dense(np.arange(500)),
                               hdf5.train.rows.dense(np.arange(500)), atol=1e-6)
    assert hdf5.train.image_shape == (28, 28)


def bad_case(tmp_path, name):
    """Write one bad training file; return (path, expected words in the error)."""
    path = tmp_path / "bad.hdf5"
    X = np.random.default_rng(0).random((6, 4)).astype(np.float32)
    Y = np.eye(3, dtype=np.float32)[[0, 1, 2, 0, 1, 2]]
    if name == "missing file":
        return tmp_path / "nope.hdf5", "no such file"
    if name == "not hdf5":
        path.write_text("hello")
        return path, "not an HDF5 file"
    if name == "missing dataset":
        with h5py.File(path, "w") as f:
            f["xdata"] = X
        return path, "no dataset 'ydata'"
    if name == "row counts differ":
        return write_course_file(path, X, Y[:5]), "'ydata' has 5 rows but 'xdata' has 6"
    if name == "wrong rank":
        return write_course_file(path, X.reshape(6, 2, 2), Y), "must be 2-D"
    if name == "nan":
        X[2, 1] = np.nan
        return write_course_file(path, X, Y), "NaN or inf"
    if name == "out of range":
        return write_course_file(path, X * 255, Y), "must be in [0, 1]"
    if name == "not one-hot":
        Y[3] = [0.5, 0.5, 0]
        return write_course_file(path, X, Y), "row 3 is not one-hot"
    if name == "negative label":
        return write_course_file(path, X, np.array([0, 1, -1, 0, 1, 2])), "label -1"
    if name == "fractional label":
        return write_course_file(path, X, np.array([0, 1, 1.5, 0, 1, 2])), "non-integer"
    if name == "empty":
        return write_course_file(path, np.zeros((0, 4), np.float32), np.zeros((0, 3))), "empty"
    raise AssertionError(name)


BAD = ["missing file", "not hdf5", "missing dataset", "row counts differ", "wrong rank", "nan",
       "out of range", "not one-hot", "negative label", "fractional label", "empty"]


@pytest.mark.parametrize("case", BAD)
def test_bad_training_file_gets_one_line_naming_file_and_problem(tmp_path, case):
    path, words = bad_case(tmp_path, case)
    (tmp_path / "good").mkdir()
    good, _ = small_pair(tmp_path / "good")
    with pytest.raises(DataError) as caught:
        data.load_files(path, good)
    message = str(caught.value)
    assert words in message
    assert path.name in message
    assert "\n" not in message


def test_train_and_test_with_different_d(tmp_path):
    train, _ = small_pair(tmp_path, d=5)
    other = write_course_file(tmp_path / "other.hdf5", np.zeros((3, 6), np.float32), np.array([0, 1, 2]))
    with pytest.raises(DataError, match="other.hdf5: has 6 features per sample but train.hdf5 has 5"):
        data.load_files(train, other)


def test_single_class_is_refused(tmp_path):
    path = write_course_file(tmp_path / "one.hdf5", np.zeros((3, 2), np.float32), np.array([0, 0, 0]))
    with pytest.raises(DataError, match="at least 2 classes"):
        data.load_files(path, path)


def test_folder_without_data_says_what_it_needs(tmp_path):
    with pytest.raises(DataError, match="holds neither mnist_traindata.hdf5"):
        data.load_folder(tmp_path)


@pytest.mark.slow
def test_truncated_idx_file(tmp_path, mnist_dir):
    for name in data.IDX_NAMES.values():
        shutil.copy(mnist_dir / "idx" / f"{name}.gz", tmp_path)
    images = tmp_path / f"{data.IDX_NAMES['test_images']}.gz"
    raw = gzip.decompress(images.read_bytes())
    images.write_bytes(gzip.compress(raw[:-100]))
    with pytest.raises(DataError, match="t10k-images-idx3-ubyte.gz: .* truncated or damaged"):
        data.load_folder(tmp_path)


def test_default_folder_from_environment(monkeypatch, tmp_path, mnist_dir):
    monkeypatch.setenv(data.DATA_ENV, str(mnist_dir))
    assert data.find_default_folder() == mnist_dir
    monkeypatch.setenv(data.DATA_ENV, str(tmp_path))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "none"))  # the user data folder
    with pytest.raises(DataError, match="no data found"):
        data.load()
