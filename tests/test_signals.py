"""Ctrl-C and SIGTERM during a long command, as a user presses them: the first stops
training and writes what was asked from the last point, with a line saying so; a second
quits at once, never with a crash and never leaving a half-written file."""

import os
import signal
import subprocess
import sys
import time

import h5py
import pytest

pytestmark = pytest.mark.slow


def start(*args):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "COLUMNS": "200"}
    return subprocess.Popen([sys.executable, "-m", "app", *map(str, args)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=env)


def wait_for_training(process):
    """Read the progress bar until it shows a first point (training has begun)."""
    seen = b""
    while b"test_acc" not in seen:
        chunk = os.read(process.stderr.fileno(), 4096)
        assert chunk, f"the command ended early: {seen.decode(errors='replace')}"
        seen += chunk
    return seen


def finish(process, seen=b""):
    out, err = process.communicate(timeout=300)
    return process.returncode, (seen + err).decode(errors="replace")


def long_train(mnist_dir, tmp_path):
    outputs = {"save": tmp_path / "p.hdf5", "metrics": tmp_path / "m.csv", "report": tmp_path / "report"}
    process = start("train", "--data", mnist_dir, "--preset", "seed-minibatch100", "--epochs", "300",
                    "--save", outputs["save"], "--metrics", outputs["metrics"], "--report", outputs["report"])
    return process, outputs


@pytest.mark.parametrize("number", [signal.SIGINT, signal.SIGTERM])
def test_the_first_signal_stops_training_and_writes_every_output(mnist_dir, tmp_path, number):
    process, outputs = long_train(mnist_dir, tmp_path)
    seen = wait_for_training(process)
    process.send_signal(number)
    status, err = finish(process, seen)
    assert status == 130, err
    assert "stopped after" in err and "writing --save, --metrics, --report from the last point" in err
    assert "Traceback" not in err
    with h5py.File(outputs["save"], "r") as f:
        assert f["w"].shape == (10, 784) and 0 < f.attrs["samples_seen"] < 300 * 60_000
    assert outputs["metrics"].read_text().count("\n") >= 2
    assert (outputs["report"] / "index.html").is_file()


def test_two_presses_a_tenth_of_a_second_apart_quit_cleanly(mnist_dir, tmp_path):
    for attempt in range(5):
        folder = tmp_path / str(attempt)
        folder.mkdir()
        process, outputs = long_train(mnist_dir, folder)
        seen = wait_for_training(process)
        process.send_signal(signal.SIGINT)
        time.sleep(0.1)
        process.send_signal(signal.SIGINT)
        status, err = finish(process, seen)
        assert status == 130, err  # not SIGABRT (-6) nor a crash
        assert "Fatal Python error" not in err and "Traceback" not in err, err
        # Every output is whole or absent; nothing half-written is left beside them.
        leftovers = [p.name for p in folder.iterdir() if p.name.startswith(".")]
        assert not leftovers, leftovers
        if outputs["save"].exists():
            with h5py.File(outputs["save"], "r") as f:
                assert f["w"].shape == (10, 784)
        if outputs["report"].exists():
            assert (outputs["report"] / "index.html").is_file()


def test_a_stopped_sweep_reports_and_writes_what_it_trained(mnist_dir, tmp_path):
    table = tmp_path / "table.csv"
    process = start("sweep", "--data", mnist_dir, "--learning-rate", "0.1,0.5", "--epochs", "300",
                    "--batch-size", "100", "--csv", table)
    time.sleep(0.5)
    seen = b""
    while b"samples" not in seen:
        seen += os.read(process.stderr.fileno(), 4096)
    time.sleep(3)  # into the training
    process.send_signal(signal.SIGINT)
    status, err = finish(process, seen)
    assert status == 130 and "sweep stopped" in err and "Traceback" not in err, err
    assert table.read_text().count("\n") == 3  # the header and the two models


def test_a_stopped_assignment_says_that_nothing_was_written(mnist_dir, tmp_path):
    process = start("assignment", "--data", mnist_dir, "--out", tmp_path / "report")
    time.sleep(4)
    process.send_signal(signal.SIGINT)
    status, err = finish(process)
    assert status == 130 and "nothing was written" in err and "Traceback" not in err, err
    assert not (tmp_path / "report").exists()
