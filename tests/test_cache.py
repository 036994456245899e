"""Converted data files are kept, served only while the file is unchanged, and rebuilt
when the cache entry is damaged or belongs to something else."""

import os
import subprocess
import sys

import h5py
import numpy as np
import pytest

from compute.storage import cache, data


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


def test_the_cache_knows_a_converted_files_digest_until_it_changes(own_cache, course_files, mnist_dir):
    mnist_train = mnist_dir / data.TRAIN_HDF5  # files older than their conversion
    assert cache.recorded_digest(mnist_train) is None  # not converted yet in this cache
    data.load_folder(mnist_dir)
    assert cache.recorded_digest(mnist_train) == cache.file_digest(mnist_train)
    train = course_files / data.TRAIN_HDF5  # written just now: its times cannot be trusted
    data.load_folder(course_files)
    assert cache.recorded_digest(train) is None
    with open(train, "r+b") as f:
        f.seek(0, 2)
        f.write(b"\0")
    assert cache.recorded_digest(train) is None


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
    train_entry = cache.entry_of([course_files / data.TRAIN_HDF5])
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
        bad_labels = labels.copy()
        bad_labels[7] = 99  # a label the meta says cannot be
        train_entry.unlink()
        cache.store([course_files / data.TRAIN_HDF5], rows, bad_labels, n_classes)
        assert train_entry.is_file()
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


@pytest.fixture
def one_second_file_system(tmp_path):
    """A real ext4 file system whose time stamps are whole seconds (128-byte inodes, as
    on older or smaller file systems), loop-mounted."""
    if os.geteuid() != 0:
        pytest.skip("loop-mounting a file system needs root (CI and the developers' machines are)")
    image, mount = tmp_path / "fs.img", tmp_path / "fs"
    with open(image, "wb") as f:
        f.truncate(64 << 20)
    subprocess.run(["mkfs.ext4", "-q", "-F", "-I", "128", str(image)], check=True, capture_output=True)
    mount.mkdir()
    subprocess.run(["mount", "-o", "loop", str(image), str(mount)], check=True)
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=True)


@pytest.mark.slow
def test_a_same_size_edit_in_the_same_second_is_seen_on_whole_second_time_stamps(
        own_cache, course_files, one_second_file_system):
    import time

    folder = one_second_file_system / "data"
    folder.mkdir()
    train = folder / data.TRAIN_HDF5
    for _ in range(5):  # write, convert and edit within one second of the file system's clock
        time.sleep(1 - time.time() % 1)
        cache.clear()
        for name in (data.TRAIN_HDF5, data.TEST_HDF5):
            (folder / name).write_bytes((course_files / name).read_bytes())
        before = data.load_folder(folder)
        stamps = os.stat(train)
        with h5py.File(train, "r+") as f:  # same size, same shape, only the labels differ
            f["ydata"][...] = np.roll(f["ydata"][()], 1, axis=1)
        edited = os.stat(train)
        if (edited.st_size, edited.st_mtime_ns, edited.st_ctime_ns) == (
                stamps.st_size, stamps.st_mtime_ns, stamps.st_ctime_ns):
            break
    else:
        pytest.fail("could not edit within one second five times running")
    assert stamps.st_mtime_ns % 1_000_000_000 == 0  # the file system keeps whole seconds
    after = data.load_folder(folder)
    np.testing.assert_array_equal(after.train.labels, (before.train.labels + 1) % 10)


CRAFTED = """
import sys
import numpy as np
from compute.storage import cache, data
folder, how = sys.argv[1], sys.argv[2]
original = data.load_folder(folder)  # makes the entries
for entry in cache.entries():
    with np.load(entry) as stored:
        arrays = {name: stored[name] for name in stored.files}
    meta = __import__("json").loads(bytes(arrays["meta"]).decode())
    if how == "negative indices":
        arrays["indices"] = arrays["indices"].astype(np.int32)
        arrays["indices"][::7] = -1_000_000
    elif how == "a billion classes":
        meta["n_classes"] = 10**9
    elif how == "huge features":
        meta["n_features"] = 10**12
    elif how == "values out of range":
        arrays["values"] = arrays["values"].astype(np.float32) * 1000
    elif how == "two-dimensional labels":
        arrays["labels"] = arrays["labels"].reshape(-1, 1)
    arrays["meta"] = np.frombuffer(__import__("json").dumps(meta).encode(), np.uint8)
    with open(entry, "wb") as f:
        np.savez(f, **arrays)
pair = data.load_folder(folder)  # must rebuild, not trust
same = all(np.array_equal(getattr(a.rows, k), getattr(b.rows, k)) and np.array_equal(a.labels, b.labels)
           for a, b in ((pair.train, original.train), (pair.test, original.test))
           for k in ("indptr", "indices", "values"))
print(pair.n_classes, pair.n_features, same)
"""


@pytest.mark.slow
@pytest.mark.parametrize("how", ["negative indices", "a billion classes", "huge features",
                                 "values out of range", "two-dimensional labels"])
def test_a_crafted_entry_is_rebuilt_not_trusted(own_cache, course_files, how):
    done = subprocess.run([sys.executable, "-c", CRAFTED, str(course_files), how], capture_output=True,
                          text=True, timeout=120, env={**os.environ, "SOFTMAX_LAB_CACHE": str(own_cache)})
    assert done.returncode == 0, done.stderr  # a segfault or a hang would show here
    assert done.stdout.split() == ["10", "784", "True"]


def test_the_cache_stays_under_its_limit_least_recently_used_first(own_cache, course_files, tmp_path):
    other = tmp_path / "other"
    other.mkdir()
    for name in (data.TRAIN_HDF5, data.TEST_HDF5):
        (other / name).write_bytes((course_files / name).read_bytes())
    data.load_folder(course_files)
    data.load_folder(other)
    entries = cache.entries()
    assert len(entries) == 4
    for entry in entries:
        os.utime(entry, ns=(1, 1))  # long unused...
    data.load_folder(course_files)  # ...but these two are used now
    total = sum(e.stat().st_size for e in cache.entries())
    removed = cache.evict(limit=total - 1)
    assert removed and all(e.exists() for e in cache.entries())
    assert data.load_folder(course_files) is not None
    kept = {e.name for e in cache.entries()}
    assert not kept & {e.name for e in removed}


def test_cache_clear_passes_over_what_is_not_an_entry(own_cache, course_files, capsys):
    from app.cli import main

    data.load_folder(course_files)
    (own_cache / "odd.rows.npz").mkdir()
    assert main(["cache", "clear"]) == 0
    assert "removed 2 converted data file(s)" in capsys.readouterr().out
    assert (own_cache / "odd.rows.npz").is_dir()
