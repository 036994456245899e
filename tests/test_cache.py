"""Converted data files are kept, served only while the file is unchanged, and rebuilt
when the cache entry is damaged or belongs to something else."""

import os
import subprocess
import sys

import h5py
import numpy as np
import pytest

from compute import cache, data


@pytest.fixture
def own_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("SOFTMAX_LAB_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


@pytest.fixture
def course_files(mnist_dir, tmp_path):
    """The first 3,000 and 500 MNIST digits as course HDF5 files of our own (so we may change them)."""
    folder = tmp_path / "data"
    folder.mkdir()
    for name, rows in ((data.TRAIN_HDF5, 3000), (data.TEST_HDF5, 500)):
        with h5py.File(mnist_dir / name) as f:
            X, Y = f["xdata"][:rows], f["ydata"][:rows]
        data.write_course_hdf5(folder / name, X, Y.argmax(axis=1), 10)
    return folder


def same(a, b):
    for name in ("indptr", "indices", "values", "levels"):
        np.testing.assert_array_equal(getattr(a.rows, name), getattr(b.rows, name))
    np.testing.assert_array_equal(a.labels, b.labels)
    assert (a.n_classes, a.n_features) == (b.n_classes, b.n_features)


def test_a_second_load_comes_from_the_cache(own_cache, course_files, monkeypatch):
    first = data.load_folder(course_files)
    assert len(cache.entries()) == 2
    monkeypatch.setattr(data, "_convert_hdf5", lambda path: pytest.fail("converted again"))
    second = data.load_folder(course_files)
    same(first.train, second.train)
    same(first.test, second.test)
    assert second.train.rows.compact


def test_a_changed_file_is_never_served_stale(own_cache, course_files):
    before = data.load_folder(course_files)
    train = course_files / data.TRAIN_HDF5
    with h5py.File(train, "r+") as f:  # same size, same shape: only the contents differ
        labels = f["ydata"][()]
        f["ydata"][...] = np.roll(labels, 1, axis=1)
    after = data.load_folder(course_files)
    np.testing.assert_array_equal(after.train.labels, (before.train.labels + 1) % 10)


@pytest.mark.parametrize("damage", ["truncate", "garble", "foreign", "inconsistent"])
def test_a_damaged_or_foreign_entry_is_rebuilt_not_trusted(own_cache, course_files, damage):
    good = data.load_folder(course_files)
    entries = cache.entries()
    train_entry = cache._entry(cache._identity([course_files / data.TRAIN_HDF5]))
    test_entry = next(e for e in entries if e != train_entry)
    raw = bytearray(train_entry.read_bytes())
    if damage == "truncate":
        train_entry.write_bytes(raw[: len(raw) // 2])
    elif damage == "garble":
        raw[len(raw) // 2] ^= 0xFF  # one flipped byte inside an array: the CRC catches it
        train_entry.write_bytes(raw)
    elif damage == "foreign":
        train_entry.write_bytes(test_entry.read_bytes())  # another file's rows under this key
    else:
        rows, labels, n_classes = cache.load([course_files / data.TRAIN_HDF5])
        identity = cache._identity([course_files / data.TRAIN_HDF5])
        bad_labels = labels.copy()
        bad_labels[7] = 99  # a label the meta says cannot be
        train_entry.unlink()
        cache.store([course_files / data.TRAIN_HDF5], rows, bad_labels, n_classes)
        assert cache._entry(identity).is_file()
    again = data.load_folder(course_files)
    same(good.train, again.train)
    assert train_entry.is_file(), "rebuilt and kept again"


def test_cache_command_reports_and_clears(own_cache, course_files):
    data.load_folder(course_files)
    env = {**os.environ, "SOFTMAX_LAB_CACHE": str(own_cache)}
    info = subprocess.run([sys.executable, "-m", "app", "cache"], capture_output=True, text=True,
                          timeout=120, env=env)
    assert info.returncode == 0 and f"{own_cache}: 2 converted data file(s)" in info.stdout
    clear = subprocess.run([sys.executable, "-m", "app", "cache", "clear"], capture_output=True,
                           text=True, timeout=120, env=env)
    assert clear.returncode == 0 and "removed 2 converted data file(s)" in clear.stdout
    assert cache.entries() == []
