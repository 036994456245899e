"""The input guard, tried as a hostile user would: a FIFO, a device or a loop of links
where a file is due gets one line at once (never a blocked read), and a picture whose
metadata is a decompression bomb gets its own line while the other files are read."""

import json
import os
import struct
import zlib

import numpy as np
import pytest
from PIL import Image
from commands import softmax_lab


def png_with_chunk(path, kind, payload):
    """A real 28x28 PNG with one more chunk of ``kind`` holding ``payload``."""
    Image.fromarray(np.zeros((28, 28), np.uint8)).save(path)
    data = path.read_bytes()
    chunk = kind + payload
    block = struct.pack(">I", len(payload)) + chunk + struct.pack(">I", zlib.crc32(chunk))
    end = data.rindex(b"IEND") - 4
    path.write_bytes(data[:end] + block + data[end:])


@pytest.fixture
def digit(mnist, tmp_path):
    path = tmp_path / "seven.png"
    pixels = (mnist.test.rows.dense(np.array([0]))[0].reshape(28, 28) * 255).astype(np.uint8)
    Image.fromarray(pixels).resize((112, 112)).save(path)
    return path


def test_a_fifo_a_device_and_a_link_loop_get_a_line_at_once(tmp_path, digit):
    fifo = tmp_path / "x.png"
    os.mkfifo(fifo)
    loop = tmp_path / "loop.png"
    loop.symlink_to(loop)
    long_name = tmp_path / ("a" * 300 + ".png")
    done = softmax_lab("predict", fifo, "/dev/zero", loop, long_name, digit, "--json", timeout=30)
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 4, lines
    assert f"{fifo}: is not a regular file" in lines[0] and "/dev/zero: is not a regular file" in lines[1]
    assert "loop.png: cannot be read" in lines[2] and "cannot be read (File name too long)" in lines[3]
    (read,) = json.loads(done.stdout)
    assert read["digit"] == 7


@pytest.mark.parametrize("kind", [b"zTXt", b"iCCP"])
def test_a_png_metadata_bomb_gets_its_own_line_and_the_others_are_read(tmp_path, digit, kind):
    bomb = tmp_path / "bomb.png"
    png_with_chunk(bomb, kind, b"name\0\0" + zlib.compress(b"\0" * (64 << 20), 9))
    assert bomb.stat().st_size < 200_000
    done = softmax_lab("predict", bomb, digit, "--json")
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    assert done.stderr.count("\n") == 1 and "bomb.png:" in done.stderr
    (read,) = json.loads(done.stdout)
    assert read["digit"] == 7


def test_a_fifo_as_data_or_parameters_gets_a_line_at_once(tmp_path, mnist_dir):
    fifo = tmp_path / "fifo.hdf5"
    os.mkfifo(fifo)
    done = softmax_lab("train", "--train", fifo, "--test", mnist_dir / "mnist_testdata.hdf5", timeout=30)
    assert done.returncode == 2 and f"{fifo}: is not a regular file" in done.stderr
    done = softmax_lab("evaluate", "--params", fifo, "--data", mnist_dir, timeout=30)
    assert done.returncode == 2 and f"{fifo}: is not a regular file" in done.stderr
