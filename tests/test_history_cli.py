"""The run history from a terminal, as a user runs it: real MNIST training in new
processes, `softmax-lab runs` on what they recorded, and a `kill -9` mid-run."""

import json
import signal
import subprocess
import sys
import time

import pytest

from commands import softmax_lab
from compute.engine.recording import points
from compute.storage.history import History, RunRecord

QUICK = ["--preset", "seed-minibatch100", "--eval-every", "20000", "--quiet"]


def runs(history, *args):
    return softmax_lab("runs", *args, "--history", history)


def test_train_records_and_runs_lists_shows_and_exports(mnist_dir, tmp_path):
    history = tmp_path / "history"
    done = softmax_lab("train", "--data", mnist_dir, *QUICK, "--json", "--history", history)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    listed = runs(history, "list", "--json")
    (record,) = json.loads(listed.stdout)
    assert set(record) == {f.name for f in RunRecord.__dataclass_fields__.values()}
    assert record["status"] == "finished" and record["source"] == "train"
    assert record["test_accuracy"] == result["test_accuracy"] and record["n_points"] == 4
    assert record["settings"]["eval_every"] == 20000
    same_data = json.loads(runs(history, "list", "--data", mnist_dir, "--json").stdout)
    assert [r["id"] for r in same_data] == [record["id"]]
    other = tmp_path / "other"
    other.mkdir()
    (other / "mnist_traindata.hdf5").symlink_to(mnist_dir / "mnist_testdata.hdf5")
    (other / "mnist_testdata.hdf5").symlink_to(mnist_dir / "mnist_testdata.hdf5")
    assert json.loads(runs(history, "list", "--data", other, "--json").stdout) == []

    shown = json.loads(runs(history, "show", "1", "--json").stdout)
    assert [p["samples_seen"] for p in shown["points"]] == [0, 20000, 40000, 60000]
    assert shown["parameters"].endswith("1.hdf5")
    text = runs(history, "show", "1").stdout
    assert "sgd lr 0.5 b100" in text and "60,000" in text

    out = tmp_path / "exported"
    exported = runs(history, "export", "1", "--out", out)
    assert exported.returncode == 0, exported.stderr
    assert {"index.html", "params.hdf5", "points.csv", "curves.png"} <= {p.name for p in out.iterdir()}
    evaluated = softmax_lab("evaluate", "--params", out / "params.hdf5", "--data", mnist_dir, "--json")
    assert json.loads(evaluated.stdout)["accuracy"] == result["test_accuracy"]
    again = runs(history, "export", "1", "--out", out)
    assert again.returncode == 2 and "exists" in again.stderr

    # A --metrics CSV and a parameter file come in as runs of their own.
    imported = runs(history, "import", out / "points.csv", "--name", "from a csv")
    assert imported.returncode == 0, imported.stderr
    assert runs(history, "import", out / "params.hdf5").returncode == 0
    listed = json.loads(runs(history, "list", "--json", "--sort", "name").stdout)
    assert [r["name"] for r in listed] == ["from a csv", "params", "sgd lr 0.5 b100"]
    by_name = {r["name"]: r for r in listed}
    assert by_name["from a csv"]["status"] == "imported" and by_name["from a csv"]["n_points"] == 4
    assert by_name["params"]["status"] == "loaded"
    assert by_name["params"]["test_accuracy"] == result["test_accuracy"]
    bad = runs(history, "import", mnist_dir / "mnist_testdata.hdf5")
    assert bad.returncode == 2 and "mnist_testdata.hdf5" in bad.stderr and "Traceback" not in bad.stderr


def test_rm_restore_and_the_trash(mnist_dir, tmp_path):
    history = tmp_path / "history"
    for _ in range(2):
        assert softmax_lab("train", "--data", mnist_dir, *QUICK, "--history", history).returncode == 0
    assert runs(history, "rm", "1").returncode == 0
    assert [r["id"] for r in json.loads(runs(history, "list", "--json").stdout)] == [2]
    assert [r["id"] for r in json.loads(runs(history, "list", "--trash", "--json").stdout)] == [1]
    assert runs(history, "restore", "1").returncode == 0
    assert runs(history, "rm", "1", "2").returncode == 0
    assert "2 run(s) forgotten" in runs(history, "empty-trash").stdout
    assert json.loads(runs(history, "list", "--json").stdout) == []
    missing = runs(history, "show", "7")
    assert missing.returncode == 2 and missing.stderr.strip().endswith("no run 7")


def test_no_history_and_the_environment_variable(mnist_dir, tmp_path):
    moved = tmp_path / "moved"
    done = softmax_lab("train", "--data", mnist_dir, *QUICK, env={"SOFTMAX_LAB_HISTORY": str(moved)})
    assert done.returncode == 0 and (moved / "history.sqlite").is_file()
    off = tmp_path / "off"
    done = softmax_lab("train", "--data", mnist_dir, *QUICK, "--no-history", "--history", off)
    assert done.returncode == 0 and not off.exists()


def test_sweep_members_are_runs_of_one_sweep(mnist_dir, tmp_path):
    history = tmp_path / "history"
    done = softmax_lab("sweep", "--data", mnist_dir, "--learning-rate", "0.1,0.5", "--epochs", "1",
                       "--eval-every", "30000", "--quiet", "--history", history)
    assert done.returncode == 0, done.stderr
    listed = json.loads(runs(history, "list", "--json").stdout)
    assert [r["name"] for r in listed] == ["lr 0.1", "lr 0.5"]
    assert listed[0]["sweep"] == listed[1]["sweep"] != ""
    assert all(r["status"] == "finished" and r["n_points"] == 3 for r in listed)


def test_a_damaged_history_is_one_line_and_training_goes_on(mnist_dir, tmp_path):
    history = tmp_path / "history"
    history.mkdir()
    (history / "history.sqlite").write_bytes(b"\x00garbage" * 512)
    done = softmax_lab("train", "--data", mnist_dir, *QUICK, "--history", history)
    assert done.returncode == 0 and "test   loss" in done.stdout
    (line,) = [line for line in done.stderr.splitlines() if "history" in line]
    assert "not a Softmax Lab history" in line and "not recorded" in line
    listed = runs(history, "list")
    assert listed.returncode == 2 and "not a Softmax Lab history" in listed.stderr
    assert (history / "history.sqlite").read_bytes() == b"\x00garbage" * 512  # never touched


@pytest.mark.slow
def test_kill_9_leaves_a_readable_history_with_the_run_interrupted(mnist_dir, tmp_path):
    history = tmp_path / "history"
    long_run = subprocess.Popen(
        [sys.executable, "-m", "app", "train", "--data", str(mnist_dir), "--preset", "seed-sgd1",
         "--epochs", "500", "--quiet", "--history", str(history)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    count = 0
    kept = False  # the parameters are kept every couple of seconds
    while not (count >= 5 and kept) and time.monotonic() < deadline:
        time.sleep(0.2)
        if (history / "history.sqlite").is_file():
            with History(history) as open_history:
                count = sum(r.n_points for r in open_history.records())
                kept = open_history.model_path(1).is_file()
    assert count >= 5, long_run.stderr.read() if long_run.poll() is not None else "no points recorded"
    long_run.send_signal(signal.SIGKILL)
    long_run.wait(timeout=30)
    with History(history) as reopened:
        assert reopened.find_interrupted() == [1]
        record = reopened.record(1)
        kept = points(reopened, 1)
        assert record.status == "interrupted" and len(kept) == record.n_points >= 5
        assert [p.samples_seen for p in kept] == [5000 * i for i in range(len(kept))]
        model, _ = reopened.model(1)
        assert model.weights.shape == (10, 784)
    listed = json.loads(runs(history, "list", "--json").stdout)
    assert listed[0]["status"] == "interrupted"
