"""Hostile inputs get one clear line and exit status 2, quickly, in a subprocess (so that a
crash fails the test instead of the test run), and nothing is read from outside the file
named."""

import os
import stat
import subprocess
import sys

import h5py
import numpy as np
import pytest
from PIL import Image

from compute import kernels

SECONDS = 60


def softmax_lab(*args):
    done = subprocess.run([sys.executable, "-m", "app", *map(str, args)], capture_output=True,
                          text=True, timeout=SECONDS)
    return done


def refused(done, *words):
    assert done.returncode == 2, (done.returncode, done.stderr)
    assert "Traceback" not in done.stderr
    error = done.stderr.strip().splitlines()[-1]  # argparse puts its usage lines before it
    assert error.startswith("softmax-lab") and ": error: " in error, done.stderr
    for word in words:
        assert word in error, error
    return error


def course_file(path, X=None, Y=None, **datasets):
    rng = np.random.default_rng(0)
    X = (rng.random((40, 16)) * (rng.random((40, 16)) < 0.5)).astype(np.float32) if X is None else X
    Y = np.eye(3, dtype=np.float32)[rng.integers(0, 3, 40)] if Y is None else Y
    with h5py.File(path, "w") as f:
        if X is not False:
            f.create_dataset("xdata", data=X)
        f.create_dataset("ydata", data=Y)
        for name, value in datasets.items():
            f[name] = value
    return path


@pytest.fixture
def test_file(tmp_path):
    return course_file(tmp_path / "test.hdf5")


@pytest.mark.parametrize("labels,words", [
    (np.full(40, 2**31 + 5, dtype=np.uint32), ["label 2147483653", "at most 10,000 classes"]),
    (np.full(40, 1e10), ["label 10000000000", "at most 10,000 classes"]),
    (np.full(40, 1_000_000, dtype=np.int64), ["label 1000000"]),
    (np.full(40, -3, dtype=np.int32), ["label -3 in row 0"]),
])
def test_labels_out_of_range_are_refused_before_any_cast(tmp_path, test_file, labels, words):
    train = course_file(tmp_path / "train.hdf5", Y=labels)
    refused(softmax_lab("train", "--train", train, "--test", test_file, "--quiet"), "train.hdf5", *words)
    refused(softmax_lab("evaluate", "--params", course_file(tmp_path / "p.hdf5"), "--test", train),
            "train.hdf5", *words)


def test_the_kernels_refuse_labels_they_cannot_index_with():
    rows = kernels.sparse_rows(np.eye(3, dtype=np.float32))
    P = np.zeros((4, 16))
    with pytest.raises(ValueError, match="labels must be in 0..2"):
        kernels.evaluate_sums(P, rows, np.array([0, 3, 1], np.int32), 3)
    with pytest.raises(ValueError, match="labels must be in 0..2"):
        kernels.gradient_sum(P, rows, np.array([0, -1, 1], np.int32), 3, 0, 3)


@pytest.mark.parametrize("dtype", [np.float16, ">f4", ">f8"])
def test_any_float_pixels_train(tmp_path, dtype):
    rng = np.random.default_rng(1)
    X = (rng.integers(0, 256, (40, 16)) / 255.0).astype(dtype)
    train = course_file(tmp_path / "train.hdf5", X=X)
    test = course_file(tmp_path / "test.hdf5", X=X)
    done = softmax_lab("train", "--train", train, "--test", test, "--quiet", "--json")
    assert done.returncode == 0, done.stderr


def test_nothing_is_read_from_another_file(tmp_path, test_file):
    other = course_file(tmp_path / "other.hdf5")
    linked = course_file(tmp_path / "linked.hdf5", X=False, xdata=h5py.ExternalLink(str(other), "xdata"))
    refused(softmax_lab("train", "--train", linked, "--test", test_file, "--quiet"),
            "linked.hdf5", "'xdata' is a link to another place or file")
    raw = tmp_path / "pixels.bin"
    np.zeros((40, 16), np.float32).tofile(raw)
    external = tmp_path / "external.hdf5"
    with h5py.File(external, "w") as f:
        f.create_dataset("xdata", shape=(40, 16), dtype=np.float32, external=[(str(raw), 0, 40 * 16 * 4)])
        f.create_dataset("ydata", data=np.eye(3, dtype=np.float32)[np.arange(40) % 3])
    refused(softmax_lab("train", "--train", external, "--test", test_file, "--quiet"),
            "external.hdf5", "keeps its data in other files")
    virtual = tmp_path / "virtual.hdf5"
    layout = h5py.VirtualLayout(shape=(40, 16), dtype=np.float32)
    layout[:] = h5py.VirtualSource(str(tmp_path / "missing.hdf5"), "xdata", shape=(40, 16))
    with h5py.File(virtual, "w") as f:
        f.create_virtual_dataset("xdata", layout, fillvalue=0)
        f.create_dataset("ydata", data=np.eye(3, dtype=np.float32)[np.arange(40) % 3])
    refused(softmax_lab("train", "--train", virtual, "--test", test_file, "--quiet"),
            "virtual.hdf5", "keeps its data in other files")


def test_predict_refuses_foreign_formats_and_huge_pictures_and_classifies_the_rest(tmp_path, mnist):
    digit = mnist.test.rows.dense([1])[0].reshape(28, 28)  # a 2
    good = tmp_path / "two.png"
    Image.fromarray((255 - digit * 255).astype(np.uint8)).resize((120, 120)).save(good)
    eps = tmp_path / "drawing.png"
    eps.write_bytes(b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\nshowpage\n")
    huge = tmp_path / "huge.png"
    Image.new("L", (6000, 6000), 255).save(huge)
    done = subprocess.run([sys.executable, "-m", "app", "predict", str(eps), str(good), str(huge)],
                          capture_output=True, text=True, timeout=SECONDS)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    errors = done.stderr.strip().splitlines()
    assert len(errors) == 2
    assert "drawing.png: not an image in a format read here (PNG, JPEG, BMP, GIF, TIFF, WEBP)" in errors[0]
    assert "huge.png: 6000x6000 pixels is too large" in errors[1]
    assert done.stdout.strip().startswith(f"{good}: 2 (")  # the good picture is still classified


def test_settings_and_outputs_are_checked_before_training(tmp_path, test_file, mnist_dir):
    train = course_file(tmp_path / "train.hdf5")
    data = ["--train", train, "--test", test_file, "--quiet"]
    refused(softmax_lab("train", *data, "--seed", "-1"), "--seed", "at least 0")
    refused(softmax_lab("bench", "--repeats", "0"), "--repeats", "at least 1")
    refused(softmax_lab("train", *data, "--metrics", tmp_path), "is a folder")
    # A FIFO, and (where we may make one: as root) a device node like /dev/null, made here so
    # that a failing check could only ever replace our own.
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    refused(softmax_lab("train", *data, "--save", fifo), "pipe: is not a regular file")
    device = tmp_path / "null"
    try:
        os.mknod(device, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    except PermissionError:
        device = None
    if device is not None:
        refused(softmax_lab("train", *data, "--metrics", device), "null: is not a regular file")
        assert stat.S_ISCHR(os.stat(device).st_mode), "the device node is untouched"
    refused(softmax_lab("train", *data, "--save", train), "is an input of this command")
    refused(softmax_lab("train", *data, "--report", train), "already exists")
    refused(softmax_lab("train", "--data", mnist_dir, *data), "name the data twice")


def test_a_gzip_idx_file_is_never_decompressed_past_its_header(tmp_path, mnist_dir):
    import gzip
    import shutil
    import time

    folder = tmp_path / "idx"
    folder.mkdir()
    for name in ("train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"):
        shutil.copy(mnist_dir / "idx" / name, folder / name)
    header = bytes([0, 0, 8, 3]) + (60000).to_bytes(4, "big") + (28).to_bytes(4, "big") * 2
    with gzip.open(folder / "train-images-idx3-ubyte.gz", "wb", compresslevel=1) as f:
        f.write(header)
        zeros = bytes(1 << 24)
        for _ in range(64):  # 1 GiB of pixels behind a header that promises 47 MB
            f.write(zeros)
    started = time.perf_counter()
    refused(softmax_lab("train", "--data", folder, "--quiet"),
            "train-images-idx3-ubyte.gz: holds more than the 47,040,016 bytes its header promises")
    assert time.perf_counter() - started < 20


def test_datasets_that_declare_more_than_they_store_are_refused_at_once(tmp_path, test_file):
    import time

    hollow = tmp_path / "hollow.hdf5"
    with h5py.File(hollow, "w") as f:  # 12.5 GB declared, nothing written
        f.create_dataset("xdata", shape=(4_000_000, 784), dtype=np.float32, chunks=(1000, 784))
        f.create_dataset("ydata", data=np.zeros(4_000_000, np.uint8))
    started = time.perf_counter()
    refused(softmax_lab("train", "--train", hollow, "--test", test_file, "--quiet"),
            "hollow.hdf5: 'xdata' declares (4000000, 784) values but stores none")
    params = tmp_path / "wide.hdf5"
    with h5py.File(params, "w") as f:  # a 'w' of 10^9 columns, gzip-compressed zeros
        f.create_dataset("w", shape=(10, 10**9), dtype=np.float64, chunks=(10, 1 << 20),
                         compression="gzip")
        f["w"][:, :1 << 20] = 0.0
        f.create_dataset("b", data=np.zeros((10, 1)))
    refused(softmax_lab("evaluate", "--params", params, "--test", test_file),
            "wide.hdf5: 'w' declares 80,000,000,000 bytes but stores")
    assert time.perf_counter() - started < 30
