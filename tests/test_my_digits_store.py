"""My digits as a store that several processes share: a file lock around every change,
atomic rewrites, checked examples, bounds, no symbolic link out of its folder."""

import signal
import subprocess
import sys
import time

import h5py
import numpy as np
import pytest

from compute.storage import cache, data, my_digits
from compute.errors import DataError

ADDER = """
import sys
import numpy as np
from compute.storage import my_digits
path, count, label = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
pixels = np.full(784, 0.5, np.float32)
for i in range(count):
    digits = my_digits.add(pixels, label, 10, path)
    print(len(digits), flush=True)
"""


def adders(path, *labels, count):
    return [subprocess.Popen([sys.executable, "-c", ADDER, str(path), str(count), str(label)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for label in labels]


@pytest.mark.slow
def test_two_processes_adding_100_each_keep_200(tmp_path):
    path = tmp_path / "mine.hdf5"
    processes = adders(path, 1, 2, count=100)
    for process in processes:
        out, err = process.communicate(timeout=300)
        assert process.returncode == 0, err
    digits = my_digits.load(path)
    assert len(digits) == 200 and list(digits.counts(10)[1:3]) == [100, 100]


@pytest.mark.slow
def test_kill_9_during_adds_loses_nothing_that_was_added(tmp_path):
    path = tmp_path / "mine.hdf5"
    rng = np.random.default_rng(0)
    kept = 0
    for attempt in range(12):
        (process,) = adders(path, attempt % 10, count=1000)
        # Wait for the first add to land, then kill at a random moment of a later one.
        assert process.stdout.readline(), process.stderr.read()
        time.sleep(rng.uniform(0, 0.05))
        process.send_signal(signal.SIGKILL)
        process.wait()
        digits = my_digits.load(path)  # readable: never half-written
        assert len(digits) > kept
        kept = len(digits)
    leftovers = [p.name for p in tmp_path.iterdir() if p.name not in ("mine.hdf5", "mine.hdf5.lock")]
    # A kill between creating the temporary file and renaming it leaves a hidden .part
    # file (as SQLite leaves a journal); the store itself is always whole.
    assert all(name.startswith(".mine.hdf5.") and name.endswith(".part") for name in leftovers)


def test_bad_examples_are_refused_with_a_line_and_the_store_stays_readable(tmp_path):
    path = tmp_path / "mine.hdf5"
    good = np.full(784, 0.25, np.float32)
    my_digits.add(good, 4, 10, path)
    for pixels, match in ((np.full(784, np.nan, np.float32), "finite values in \\[0, 1\\]"),
                          (np.full(784, 2.0, np.float32), "finite values in \\[0, 1\\]"),
                          (np.zeros(100, np.float32), "has 100 pixels")):
        with pytest.raises(DataError, match=match):
            my_digits.add(pixels, 1, 10, path)
    with pytest.raises(DataError, match="label 10 is not a class"):
        my_digits.add(good, 10, 10, path)
    assert len(my_digits.load(path)) == 1
    my_digits.add(good, 5, 10, path)  # later adds still work
    assert list(my_digits.load(path).labels) == [4, 5]


def test_an_import_with_labels_beyond_the_model_or_too_many_rows_is_refused(tmp_path):
    path, source = tmp_path / "mine.hdf5", tmp_path / "friend.hdf5"
    with h5py.File(source, "w") as f:  # 138 KB that once became an 863 MB store
        f["xdata"] = np.zeros((20_000, 784), np.uint8)
        f["ydata"] = np.full(20_000, 9999, np.int64)
    with pytest.raises(DataError, match="friend.hdf5: has labels up to 9999"):
        my_digits.import_file(source, 10, path)
    with h5py.File(source, "w") as f:
        f["xdata"] = np.zeros((my_digits.MAX_EXAMPLES + 1, 784), np.uint8)
        f["ydata"] = np.zeros(my_digits.MAX_EXAMPLES + 1, np.int64)
    with pytest.raises(DataError, match="holds 20,001 examples; My digits keep at most 20,000"):
        my_digits.import_file(source, 10, path)
    assert not path.exists()


def test_adds_leave_no_converted_data_in_the_cache(tmp_path, monkeypatch):
    # a cache of its own: the session's is shared with workers converting data meanwhile
    monkeypatch.setenv("SOFTMAX_LAB_CACHE", str(tmp_path / "cache"))
    for label in range(5):
        my_digits.add(np.full(784, 0.5, np.float32), label, 10, tmp_path / "mine.hdf5")
    assert cache.entries() == []


def test_a_store_that_links_out_of_its_folder_is_never_written_through(tmp_path):
    outside = tmp_path / "elsewhere.hdf5"
    data.write_course_hdf5(outside, np.zeros((1, 784), np.float32), np.array([3]), 10)
    before = outside.read_bytes()
    folder = tmp_path / "my-digits"
    folder.mkdir()
    (folder / "my_digits.hdf5").symlink_to(outside)
    with pytest.raises(DataError, match="is a symbolic link to .*outside its folder"):
        my_digits.add(np.zeros(784, np.float32), 1, 10, folder / "my_digits.hdf5")
    with pytest.raises(DataError, match="symbolic link"):
        my_digits.load(folder / "my_digits.hdf5")
    assert outside.read_bytes() == before
