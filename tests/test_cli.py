"""The command line, run as a user runs it: a subprocess, real files, exit statuses."""

import csv
import json
import os
import subprocess
import sys

import h5py
import numpy as np
import pytest
from commands import softmax_lab


def test_train_json_save_metrics_then_evaluate(mnist_dir, tmp_path):
    saved, curve = tmp_path / "p.hdf5", tmp_path / "curve.csv"
    done = softmax_lab("train", "--data", mnist_dir, "--preset", "seed-minibatch100",
                       "--save", saved, "--metrics", curve, "--json")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    for key in ("train_loss", "train_accuracy", "test_loss", "test_accuracy", "samples_seen",
                "updates", "epochs", "train_seconds", "eval_seconds"):
        assert key in result
    assert result["test_accuracy"] >= 0.90 and result["samples_seen"] == 60000
    assert 0 < result["train_seconds"] < 60
    with open(curve, newline="") as f:
        rows = list(csv.DictReader(f))
    assert [int(r["samples_seen"]) for r in rows] == list(range(0, 60001, 5000))
    with h5py.File(saved) as f:
        assert f["w"].shape == (10, 784) and f["b"].shape == (10, 1)
        assert f.attrs["optimizer"] == "sgd" and f.attrs["batch_size"] == 100

    evaluated = softmax_lab("evaluate", "--params", saved, "--data", mnist_dir, "--json")
    assert evaluated.returncode == 0, evaluated.stderr
    report = json.loads(evaluated.stdout)
    assert report["samples"] == 10000
    assert report["accuracy"] == pytest.approx(result["test_accuracy"])
    confusion = np.array(report["confusion"])
    assert confusion.shape == (10, 10) and confusion.sum() == 10000
    assert np.trace(confusion) == round(report["accuracy"] * 10000)

    human = softmax_lab("evaluate", "--params", saved, "--test", mnist_dir / "mnist_testdata.hdf5")
    assert human.returncode == 0 and "accuracy" in human.stdout and "confusion" in human.stdout


def test_train_with_explicit_options_and_progress_bar(mnist_dir):
    done = softmax_lab("train", "--train", mnist_dir / "mnist_traindata.hdf5",
                       "--test", mnist_dir / "mnist_testdata.hdf5", "--optimizer", "adam",
                       "--batch-size", "200", "--learning-rate", "0.003", "--epochs", "1",
                       "--eval-every", "20000", "--seed", "3", "--l2", "0.0001",
                       "--schedule", "cosine", "--no-shuffle")
    assert done.returncode == 0, done.stderr
    assert "test   loss" in done.stdout and "adam, batch 200" in done.stdout
    assert "samples" in done.stderr  # the tqdm bar
    # ... showing the training rate, and the newest point's figures as soon as it exists
    final = [line for line in done.stderr.replace("\r", "\n").splitlines() if "60.0k/60.0k" in line]
    assert final and "train=" in final[-1] and "samples/s" in final[-1]
    result_accuracy = done.stdout.split("test   loss")[1].split("accuracy")[1].split()[0]
    assert f"test_acc={result_accuracy}" in final[-1]


def test_full_batch_option(mnist_dir):
    done = softmax_lab("train", "--data", mnist_dir, "--batch-size", "full", "--epochs", "2",
                       "--learning-rate", "0.5", "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["updates"] == 2


@pytest.mark.parametrize("args,words", [
    (["train", "--data", "/nonexistent"], "/nonexistent: no such folder"),
    (["train", "--train", "/nonexistent.hdf5"], "--train and --test go together"),
    (["train", "--learning-rate", "-1"], "learning rate must be a number > 0"),
    (["evaluate", "--params", "/nonexistent.hdf5"], "nonexistent.hdf5: no such file"),
])
def test_bad_input_exits_2_with_one_line(args, words, mnist_dir):
    done = softmax_lab(*args, env={"SOFTMAX_LAB_DATA": str(mnist_dir)})
    assert done.returncode == 2
    assert words in done.stderr
    assert "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_bad_batch_size_is_an_argument_error():
    done = softmax_lab("train", "--batch-size", "zero")
    assert done.returncode == 2 and "expected a whole number or 'full'" in done.stderr


def test_divergence_exits_3_and_saves_last_finite_parameters(mnist_dir, tmp_path):
    saved = tmp_path / "p.hdf5"
    done = softmax_lab("train", "--data", mnist_dir, "--learning-rate", "1e306", "--batch-size", "10",
                       "--save", saved, "--quiet")
    assert done.returncode == 3
    assert "diverged after" in done.stderr and "try a learning rate below" in done.stderr
    assert "Traceback" not in done.stderr
    with h5py.File(saved) as f:
        assert np.isfinite(f["w"][()]).all()


@pytest.mark.slow
def test_bench_runs_and_reports_ratios(mnist_dir):
    done = softmax_lab("bench", "--data", mnist_dir, "--repeats", "1", "--json", "--no-sklearn")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["sklearn"] is None  # (its row is tests/test_python_api.py's)
    for key in ("minibatch_epoch_vs_stream", "batch1_speedup_vs_seed", "full_batch_step_vs_stream",
                "evaluation_vs_stream", "best_seconds_to_92_5", "sweep_8_vs_one_run"):
        assert key in report["ratios"]
    assert report["figures_ms"]["sweep_8_ms"] > report["figures_ms"]["sweep_one_run_ms"] > 0
    assert report["ratios"]["batch1_speedup_vs_seed"] > 1
    from compute.studies.benchmark import format_report

    text = format_report(report)  # what `bench` prints without --json
    assert "what was timed" in text and "course numpy" in text and "faster" in text
    assert "one epoch of SGD, batch 1" in text and "MISSED" not in text
    assert "sweep: 8 learning rates, batch 100, 3 epochs" in text
    # past the pixel ceiling: the transforms, and the presets side by side with best
    assert report["figures_ms"]["deskew_gradients_ms"] > report["figures_ms"]["deskew_ms"] > 0
    presets = report["presets"]
    assert list(presets) == ["best", "best-deskewed", "best-gradients", "best-features"]
    assert presets["best"]["test_accuracy"] >= 0.925 and presets["best-deskewed"]["test_accuracy"] >= 0.955
    assert presets["best-features"]["test_accuracy"] >= 0.99 and presets["best-gradients"]["train_seconds"] > 0
    assert presets["best-features"]["reads"].startswith("deskewed, then gradient histograms")
    assert "Past the pixel ceiling: deskewing every image takes" in text
    assert "best-features   deskewed, then gradient histograms" in text


def test_no_command_prints_help_or_opens_gui():
    done = softmax_lab("--help")
    assert done.returncode == 0 and "train" in done.stdout and "evaluate" in done.stdout


def test_no_data_anywhere_says_what_to_do_on_the_command_line(tmp_path):
    done = softmax_lab("train", env={"SOFTMAX_LAB_DATA": str(tmp_path / "empty"),
                                     "XDG_DATA_HOME": str(tmp_path / "xdg")})
    assert done.returncode == 2 and len(done.stderr.strip().splitlines()) == 1
    assert "no data found in" in done.stderr and str(tmp_path / "empty") in done.stderr
    assert "pass --data DIR" in done.stderr and "softmax-lab download" in done.stderr


def test_every_setting_has_an_option_and_each_option_is_applied():
    from dataclasses import fields

    from app.cli import build_parser, settings_from
    from compute.settings import Settings

    given = {"optimizer": "rmsprop", "learning_rate": 0.25, "epochs": 3, "eval_every": 777,
             "seed": 5, "l2": 0.001, "schedule": "step", "init": "zeros", "momentum": 0.5,
             "beta1": 0.8, "beta2": 0.99, "epsilon": 1e-6, "rho": 0.9, "step_factor": 0.25,
             "step_epochs": 0.5, "inverse_decay": 2.0, "features": "gradients", "cell": 4,
             "stride": 2, "orientations": 6}
    assert {f.name for f in fields(Settings)} == set(given) | {"batch_size", "shuffle", "deskew"}
    words = ["train", "--batch-size", "64", "--no-shuffle", "--deskew"]
    for name, value in given.items():
        words += [f"--{name.replace('_', '-')}", str(value)]
    settings = settings_from(build_parser().parse_args(words))
    assert settings == Settings(batch_size=64, shuffle=False, deskew=True, **given)


@pytest.mark.parametrize("option, value, words", [
    ("--beta1", "1.5", "beta1 must be in [0, 1)"),
    ("--step-factor", "2", "step factor must be in (0, 1]"),
    ("--epsilon", "0", "epsilon must be a finite number >= 1.17549e-38"),
    ("--epsilon", "inf", "epsilon must be a finite number >= 1.17549e-38"),
    ("--epsilon", "1e-320", "epsilon must be a finite number >= 1.17549e-38"),
    ("--inverse-decay", "inf", "1/t decay must be a finite number >= 0"),
    ("--inverse-decay", "-1", "1/t decay must be a finite number >= 0"),
])
def test_bad_optimizer_and_schedule_settings_get_one_line(tmp_path, option, value, words):
    done = softmax_lab("train", option, value, "--quiet")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert words in done.stderr.strip().splitlines()[-1]


def test_a_step_schedule_steps_within_a_one_epoch_run():
    from compute.settings import Settings
    from compute.settings import learning_rates

    settings = Settings(schedule="step", learning_rate=0.8, step_factor=0.5)
    rates = learning_rates(settings, [0, 19_999, 20_000, 40_000, 59_999], 60_000, 60_000)
    assert rates.tolist() == [0.8, 0.8, 0.4, 0.2, 0.2]
    halves = learning_rates(Settings(schedule="step", learning_rate=0.8, epochs=4, step_epochs=0.5),
                            [0, 30_000, 60_000, 239_999], 240_000, 60_000)
    assert halves.tolist() == [0.8, 0.4, 0.2, 0.8 * 0.5 ** 7]


def test_version_and_a_desktop_entry_that_can_be_removed(tmp_path):
    from app.resources import version

    done = softmax_lab("--version")
    assert done.returncode == 0 and done.stdout.strip() == f"softmax-lab {version()}"
    env = {"XDG_DATA_HOME": str(tmp_path)}
    done = softmax_lab("install-desktop", env=env)
    assert done.returncode == 0, done.stderr
    entry = tmp_path / "applications" / "softmax-lab.desktop"
    fields = dict(line.split("=", 1) for line in entry.read_text().splitlines() if "=" in line)
    assert fields["Type"] == "Application" and fields["Name"] == "Softmax Lab"
    assert fields["Icon"] == "softmax-lab" and fields["Exec"].split()[-1] == "gui"
    program = fields["Exec"].split()[0]
    assert os.access(program, os.X_OK)  # the entry starts a program that exists
    for icon in ("scalable/apps/softmax-lab.svg", "256x256/apps/softmax-lab.png"):
        assert (tmp_path / "icons" / "hicolor" / icon).stat().st_size > 100
    done = softmax_lab("install-desktop", "--remove", env=env)
    assert done.returncode == 0 and "removed" in done.stdout
    assert not entry.exists() and not list((tmp_path / "icons").rglob("softmax-lab.*"))


@pytest.mark.slow
def test_self_test_draws_a_seven_in_the_studio_and_says_what_failed(mnist_dir, tmp_path):
    done = softmax_lab("self-test", "--data", mnist_dir, env={"QT_QPA_PLATFORM": "offscreen"})
    assert done.returncode == 0, done.stdout + done.stderr
    assert "read as 7" in done.stdout and "60,000 train" in done.stdout
    assert "training: best, finished, test accuracy 92." in done.stdout
    assert done.stdout.strip().endswith("self-test: passed")
    missing = tmp_path / "no-such-folder"
    done = softmax_lab("self-test", "--data", missing, env={"QT_QPA_PLATFORM": "offscreen"})
    assert done.returncode == 1
    assert f"data: {missing}: no such folder" in done.stdout
    assert done.stdout.strip().endswith("self-test: FAILED (data)")
    # --show asks for a real window: without a display it says so instead of failing late.
    env = {k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY")}
    done = subprocess.run([sys.executable, "-m", "app", "self-test", "--show"], capture_output=True,
                          text=True, timeout=120, env=env)
    assert done.returncode == 1 and "no display" in done.stderr


def test_a_sweep_range_ending_in_full_gets_one_line():
    done = softmax_lab("sweep", "--batch-size", "full:1:2", "--quiet")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "'full' is a batch size of its own, not the end of a range" in done.stderr


def test_a_file_name_that_is_not_utf8_on_a_strict_terminal(tmp_path):
    name = os.fsdecode(bytes(tmp_path) + b"/digit-\xff.png")
    with open(name, "w") as f:
        f.write("not a picture")
    done = subprocess.run([sys.executable, "-m", "app", "predict", name], capture_output=True,
                          text=True, timeout=120, env={**os.environ, "PYTHONIOENCODING": "utf-8:strict"})
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    assert "digit-\\udcff.png: not an image" in done.stderr
