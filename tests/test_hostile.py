"""Hostile inputs get one clear line and exit status 2, quickly, in a subprocess (so that a
crash fails the test instead of the test run), and nothing is read from outside the file
named."""

import os
import stat

import numpy as np
import pytest
from PIL import Image

from compute import kernels
from hostile_files import DATA, PARAMS, course_file
from commands import softmax_lab



#: What a refusal may take, process start to exit (the issue's bound).
REFUSAL_SECONDS = 10


def refused(done, *words):
    assert done.returncode == 2, (done.returncode, done.stderr)
    assert done.seconds < REFUSAL_SECONDS, done.seconds
    assert "Traceback" not in done.stderr
    error = done.stderr.strip().splitlines()[-1]  # argparse puts its usage lines before it
    assert error.startswith("softmax-lab") and ": error: " in error, done.stderr
    for word in words:
        assert word in error, error
    return error


@pytest.fixture
def test_file(tmp_path):
    return course_file(tmp_path / "test.hdf5")


@pytest.mark.slow
@pytest.mark.parametrize("case", sorted(DATA))
def test_every_hostile_data_file_gets_one_line(tmp_path, test_file, case):
    make, words = DATA[case]
    path = make(tmp_path)
    refused(softmax_lab("train", "--train", path, "--test", test_file, "--quiet"), path.name, *words)
    if case.startswith("label_"):  # read as a test set too, by a command that reads labels first
        refused(softmax_lab("evaluate", "--params", course_file(tmp_path / "p.hdf5"), "--test", path),
                path.name, *words)


@pytest.mark.slow
@pytest.mark.parametrize("case", sorted(PARAMS))
def test_every_hostile_parameter_file_gets_one_line(tmp_path, mnist_dir, case):
    make, words = PARAMS[case]
    path = make(tmp_path)
    refused(softmax_lab("evaluate", "--params", path, "--data", mnist_dir), path.name, *words)


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


def test_predict_refuses_foreign_formats_and_huge_pictures_and_classifies_the_rest(tmp_path, mnist):
    digit = mnist.test.rows.dense([1])[0].reshape(28, 28)  # a 2
    good = tmp_path / "two.png"
    Image.fromarray((255 - digit * 255).astype(np.uint8)).resize((120, 120)).save(good)
    eps = tmp_path / "drawing.png"
    eps.write_bytes(b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\nshowpage\n")
    huge = tmp_path / "huge.png"
    Image.new("L", (6000, 6000), 255).save(huge)
    done = softmax_lab("predict", eps, good, huge)
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
    refused(softmax_lab("train", *data, "--save", train), "is one of the inputs being read")
    refused(softmax_lab("train", *data, "--report", train), "already exists")
    refused(softmax_lab("train", "--data", mnist_dir, *data), "name the data twice")


def test_a_gzip_idx_file_is_never_decompressed_past_its_header(tmp_path, mnist_dir):
    import gzip
    import shutil

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
    refused(softmax_lab("train", "--data", folder, "--quiet"),
            "train-images-idx3-ubyte.gz: holds more than the 47,040,016 bytes its header promises")


def test_declared_sizes_are_refused_at_once(tmp_path, test_file, mnist_dir):
    for table, name, command in ((DATA, "hollow", ["train", "--test", test_file, "--quiet", "--train"]),
                                 (PARAMS, "params_wide", ["evaluate", "--data", mnist_dir, "--params"])):
        make, words = table[name]
        path = make(tmp_path)
        refused(softmax_lab(*command, path), path.name, *words)  # within REFUSAL_SECONDS
