"""Parameter files: course schema, round trip, the course's own files, atomic saves."""

import h5py
import numpy as np
import pytest

from compute.engine import metrics

from compute.storage import params
from compute.storage.data import DataError
from compute.storage.params import Model

import naive


def test_round_trip_keeps_values_and_metadata(tmp_path):
    rng = np.random.default_rng(0)
    model = Model(rng.standard_normal((10, 784)), rng.standard_normal(10))
    path = tmp_path / "p.hdf5"
    params.save(path, model, {"optimizer": "adam", "learning_rate": 0.01, "batch_size": 100,
                              "settings": {"epochs": 3}})
    with h5py.File(path) as f:  # the course schema, as the seed code reads it
        assert f["w"].shape == (10, 784) and f["w"].dtype == np.float64
        assert f["b"].shape == (10, 1) and f["b"].dtype == np.float64
    loaded, meta = params.load(path)
    np.testing.assert_array_equal(loaded.weights, model.weights)
    np.testing.assert_array_equal(loaded.bias, model.bias)
    assert meta["optimizer"] == "adam" and meta["learning_rate"] == 0.01
    assert meta["version"] == params.FORMAT_VERSION and "created_at" in meta


@pytest.mark.parametrize("bias_shape", [(10,), (10, 1), (1, 10)])
def test_course_style_file_gives_numpy_accuracy(tmp_path, mnist, bias_shape):
    rng = np.random.default_rng(1)
    weights = rng.standard_normal((10, 784)) * 0.05
    bias = rng.standard_normal(10) * 0.1
    path = tmp_path / "seed.hdf5"
    with h5py.File(path, "w") as f:  # as the course's code wrote it
        f.create_dataset("w", data=weights)
        f.create_dataset("b", data=bias.reshape(bias_shape))
    model, _ = params.load(path, n_features=784)
    result = metrics.evaluate(model, mnist.test)
    X = mnist.test.rows.dense()
    ref_loss, ref_hits = naive.loss_and_hits(weights, bias, X, mnist.test.labels)
    assert result.accuracy == ref_hits / 10000
    assert result.loss == pytest.approx(ref_loss / 10000, rel=1e-9)


def test_wrong_d_and_bad_shapes_are_refused(tmp_path):
    path = tmp_path / "p.hdf5"
    params.save(path, Model(np.zeros((10, 100)), np.zeros(10)))
    with pytest.raises(DataError, match="p.hdf5: 'w' has 100 features per class but the data has 784"):
        params.load(path, n_features=784)
    with h5py.File(path, "w") as f:
        f["w"] = np.zeros((10, 5))
        f["b"] = np.zeros((9, 1))
    with pytest.raises(DataError, match="'b' has shape"):
        params.load(path)
    path.write_text("not hdf5")
    with pytest.raises(DataError, match="not an HDF5 file; expected a parameter file"):
        params.load(path)


def test_failed_save_leaves_old_file_and_no_partial_file(tmp_path, monkeypatch):
    path = tmp_path / "p.hdf5"
    old = Model(np.ones((3, 4)), np.zeros(3))
    params.save(path, old)
    before = path.read_bytes()

    def broken(self, name, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(h5py.Group, "create_dataset", broken)
    with pytest.raises(DataError, match="p.hdf5: could not be saved"):
        params.save(path, Model(np.zeros((3, 4)), np.zeros(3)))
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.hdf5"]
    assert params.load(path)[0].weights.sum() == 12


def test_save_into_missing_folder(tmp_path):
    with pytest.raises(DataError, match="does not exist"):
        params.save(tmp_path / "nope" / "p.hdf5", Model(np.zeros((2, 2)), np.zeros(2)))
