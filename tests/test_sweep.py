"""Sweeps: values and their product, grouping, members bit-identical to runs alone, the
command line (tables, JSON, files, one-line errors)."""

import csv
import json

import numba
import numpy as np
import pytest

from compute import kernels

from compute.storage import params
from compute.storage.data import DataPair, Dataset
from compute.settings import Settings, SettingsError
from compute.engine.sweep import MAX_MODELS, Sweep, expand, groups, member_name, parse_values, run_groups
from compute.engine.training import Training

from test_cli import softmax_lab
from test_training import subset


@pytest.fixture(scope="module")
def small(mnist):
    """The first 6,000 MNIST training and 1,000 test digits."""
    return DataPair(subset(mnist.train, 6000), subset(mnist.test, 1000))


# ------------------------------------------------------------------ values


def test_lists_and_log_ranges():
    assert parse_values("learning_rate", "0.01,0.1, 1") == [0.01, 0.1, 1.0]
    rates = parse_values("learning_rate", "1e-3:1:8")
    assert len(rates) == 8 and rates[0] == pytest.approx(1e-3) and rates[-1] == pytest.approx(1.0)
    assert np.allclose(np.diff(np.log10(rates)), 3 / 7)
    assert parse_values("batch_size", "1,100,full") == [1, 100, None]
    assert parse_values("batch_size", "10:1000:3") == [10, 100, 1000]
    assert parse_values("seed", "0,1,1,2") == [0, 1, 2]  # repeats once
    assert parse_values("optimizer", "sgd,adam") == ["sgd", "adam"]


@pytest.mark.parametrize("name,text,words", [
    ("learning_rate", "0.1,x", "--learning-rate: 'x' is not a number"),
    ("learning_rate", "1e-3:1", "a range is low:high:count"),
    ("learning_rate", "0:1:4", "a log range needs low and high > 0"),
    ("learning_rate", "1e-3:1:2.5", "the count in '1e-3:1:2.5' must be a whole number"),
    ("learning_rate", "1e-3:1:1000", f"must be 1 to {MAX_MODELS}"),
    ("learning_rate", "full", "'full' is not a number"),
    ("epochs", "1.5,2", "--epochs: values must be whole numbers"),
    ("optimizer", "sgd,lbfgs", "--optimizer: 'lbfgs' is not one of"),
    ("learning_rate", "nan", "not a finite number"),
    ("shuffle", "0,1", "shuffle cannot be swept"),
])
def test_bad_values_are_one_line(name, text, words):
    with pytest.raises(SettingsError) as caught:
        parse_values(name, text)
    assert words in str(caught.value) and "\n" not in str(caught.value)


def test_the_product_its_names_and_its_cap():
    members = expand(Settings(), {"learning_rate": [0.01, 0.1], "optimizer": ["sgd", "adam"]})
    assert [(s.learning_rate, s.optimizer) for s, _ in members] == [
        (0.01, "sgd"), (0.01, "adam"), (0.1, "sgd"), (0.1, "adam")]
    assert member_name(members[1][1]) == "lr 0.01, adam"
    assert member_name({"batch_size": None}) == "batch full"
    with pytest.raises(SettingsError, match=f"the sweep has 17 x 16 = 272 models; at most {MAX_MODELS}"):
        expand(Settings(), {"learning_rate": list(np.geomspace(1e-3, 1, 17)), "seed": list(range(16))})
    with pytest.raises(SettingsError, match="lr 0.1, momentum 1: momentum must be in"):
        expand(Settings(), {"learning_rate": [0.1], "momentum": [0.5, 1.0]})


def test_settings_are_grouped_by_what_a_pass_shares():
    settings = [Settings(batch_size=50), Settings(batch_size=100), Settings(batch_size=50, learning_rate=1),
                Settings(batch_size=None), Settings(batch_size=50, seed=1), Settings(batch_size=None)]
    assert groups(settings) == [[0, 2], [1], [3], [4], [5]]
    with pytest.raises(SettingsError, match="the same batch size"):
        Sweep(None, settings[:2])


# ------------------------------------------------------------------ engine


def alone(data, settings):
    training = Training(data, settings)
    training.run()
    return training


def assert_same_run(member, single):
    """Bit for bit: parameters, and every point's figures."""
    assert np.array_equal(member.training.state.parameters, single.state.parameters)
    assert member.training.updates == single.updates
    ours = [(p.samples_seen, p.train_loss, p.test_loss, p.train_accuracy, p.test_accuracy, p.learning_rate)
            for p in member.points]
    theirs = [(p.samples_seen, p.train_loss, p.test_loss, p.train_accuracy, p.test_accuracy, p.learning_rate)
              for p in single.points]
    assert ours == theirs


@pytest.mark.parametrize("batch_size", [1, 100, 7])
def test_members_equal_the_runs_alone(small, batch_size):
    base = Settings(batch_size=batch_size, epochs=2, eval_every=2500, learning_rate=0.1)
    settings = [base, Settings(**{**base.as_dict(), "learning_rate": 0.5}),
                Settings(**{**base.as_dict(), "optimizer": "adam", "learning_rate": 0.003, "schedule": "cosine"}),
                Settings(**{**base.as_dict(), "l2": 1e-3}),
                Settings(**{**base.as_dict(), "optimizer": "momentum", "schedule": "step"}),
                Settings(**{**base.as_dict(), "init": "zeros"})]  # 6: a group of 4 and one of 2
    sweep = Sweep(small, settings)
    sweep.run()
    for member, one in zip(sweep.members, settings):
        assert_same_run(member, alone(small, one))
    assert sweep.train_seconds > 0 and not any(m.diverged for m in sweep.members)


def relabelled(data, n_classes):
    """Real images, labels spread over ``n_classes`` classes (MNIST's, plus
    ``n_classes - 10`` for every other row)."""
    def spread(dataset):
        labels = (dataset.labels + (n_classes - 10) * (np.arange(dataset.n_samples) % 2)).astype(np.int32)
        return Dataset(dataset.name, dataset.source, dataset.rows, labels, n_classes)
    return DataPair(spread(data.train), spread(data.test))


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("n_classes", [10, 16])
def test_members_equal_the_runs_alone_however_packed(small, threads, n_classes):
    """Models share a pack as their classes fit (4 of 10 classes, 3 of 16) and as threads
    ask; which models share one must not change a bit of any."""
    data = relabelled(small, n_classes)
    base = Settings(batch_size=50, epochs=1, eval_every=3000, learning_rate=0.05)
    settings = [Settings(**{**base.as_dict(), "learning_rate": lr}) for lr in (0.01, 0.05, 0.2, 0.5, 1.0)]
    settings.append(Settings(**{**base.as_dict(), "optimizer": "rmsprop", "learning_rate": 0.001}))
    before = numba.get_num_threads()
    numba.set_num_threads(threads)
    try:
        packs, _ = kernels.public.sweep_packs(np.array([True] * 5 + [False]), n_classes, threads)
        sweep = Sweep(data, settings)
        sweep.run()
    finally:
        numba.set_num_threads(before)
    assert packs.shape == {(1, 10): (3, 4), (2, 10): (3, 3), (1, 16): (3, 3), (2, 16): (3, 3)}[threads, n_classes]
    for member, one in zip(sweep.members, settings):
        assert_same_run(member, alone(data, one))


def test_more_than_16_classes_take_the_wide_kernels(small):
    data = relabelled(small, 20)
    settings = [Settings(batch_size=50, eval_every=6000, learning_rate=lr) for lr in (0.05, 0.5)]
    sweep = Sweep(data, settings)
    sweep.run()
    for member, one in zip(sweep.members, settings):
        assert_same_run(member, alone(data, one))


def test_a_diverging_member_stops_and_the_others_go_on(small):
    settings = [Settings(batch_size=10, eval_every=1000, learning_rate=lr, init="zeros")
                for lr in (0.1, 1e306, 0.5)]
    sweep = Sweep(small, settings)
    sweep.run()
    good, bad, other = sweep.members
    assert bad.diverged and "diverged after" in bad.error and not good.diverged
    assert_same_run(good, alone(small, settings[0]))
    assert_same_run(other, alone(small, settings[2]))


def test_groups_run_in_turn_and_keep_the_order(small):
    settings = [Settings(batch_size=50, eval_every=6000, learning_rate=0.1), Settings(batch_size=None, epochs=3),
                Settings(batch_size=50, eval_every=6000, learning_rate=0.2)]
    seen = []
    members, seconds = run_groups(small, settings, on_group=seen.append)
    assert [len(s.members) for s in seen] == [2, 1]
    assert [m.training.settings for m in members] == settings
    assert seconds == pytest.approx(sum(s.train_seconds for s in seen))
    assert_same_run(members[1], alone(small, settings[1]))


# ------------------------------------------------------------------ command line

RUN_KEYS = {"name", "train_loss", "train_accuracy", "test_loss", "test_accuracy", "samples_seen",
            "updates", "epochs", "train_seconds", "eval_seconds", "settings", "diverged"}


@pytest.mark.slow
def test_sweep_command_json_table_and_files(mnist_dir, tmp_path):
    best, table, curves = tmp_path / "best.hdf5", tmp_path / "sweep.csv", tmp_path / "curves"
    done = softmax_lab("sweep", "--data", mnist_dir, "--learning-rate", "1e-3:1:4", "--batch-size", "100,200",
                       "--eval-every", "30000", "--json", "--save-best", best, "--csv", table,
                       "--metrics", curves)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert set(result) == {"runs", "train_seconds"} and result["train_seconds"] > 0
    runs = result["runs"]
    assert len(runs) == 8 and all(set(run) == RUN_KEYS for run in runs)
    losses = [run["test_loss"] for run in runs]
    assert losses == sorted(losses)
    # train --json keys are the same as train's
    trained = softmax_lab("train", "--data", mnist_dir, "--learning-rate", str(runs[0]["settings"]["learning_rate"]),
                          "--batch-size", str(runs[0]["settings"]["batch_size"]), "--eval-every", "30000",
                          "--json", "--quiet")
    alone_result = json.loads(trained.stdout)
    assert set(alone_result) == RUN_KEYS - {"name"}
    assert alone_result["test_loss"] == runs[0]["test_loss"]  # the best member, trained alone
    model, attributes = params.load(best)
    assert json.loads(attributes["settings"]) == runs[0]["settings"]
    with open(table) as f:
        rows = list(csv.DictReader(f))
    assert [r["run"] for r in rows] == [run["name"] for run in runs]
    assert rows[0]["rank"] == "1" and float(rows[0]["test_loss"]) == runs[0]["test_loss"]
    assert sorted(p.name for p in curves.iterdir()) == sorted(f"{r['name'].replace(', ', '-').replace(' ', '-')}.csv"
                                                           for r in runs)

    text = softmax_lab("sweep", "--data", mnist_dir, "--learning-rate", "0.01,0.5", "--eval-every", "60000",
                       "--quiet")
    assert text.returncode == 0, text.stderr
    lines = text.stdout.splitlines()
    assert lines[0].split()[:3] == ["run", "learning", "rate"]
    assert lines[1].startswith("*  lr 0.5") and lines[2].startswith("   lr 0.01")
    assert "2 models" in lines[-1] and "1 pass(es)" in lines[-1]


@pytest.mark.parametrize("args,words", [
    (["--learning-rate", "1e-3:x:4"], "--learning-rate: 'x' is not a number"),
    (["--learning-rate", "1e-3:1:17", "--seed", ",".join(map(str, range(16)))], "= 272 models; at most 256"),
    (["--epochs", "0,1"], "epochs must be a whole number from 1"),
    (["--optimizer", "sgd,newton"], "'newton' is not one of"),
    (["--learning-rate", "0.1", "--metrics", "."], "already exists and is not empty"),
])
def test_sweep_bad_input_is_one_line(mnist_dir, args, words):
    done = softmax_lab("sweep", "--data", mnist_dir, *args)
    assert done.returncode == 2 and done.stderr.count("\n") == 1, done.stderr
    assert done.stderr.startswith("softmax-lab: error:") and words in done.stderr


def test_the_sweep_kernel_checks_its_arguments(small):
    from compute import kernels

    train = small.train
    states = [kernels.TrainingState.start(np.zeros((785, 16), np.float32)) for _ in range(3)]
    sweep = kernels.SweepState.stack(states)
    order = np.arange(10, dtype=np.int64)
    sgd = kernels.Optimizer("sgd")
    with pytest.raises(ValueError, match="need 3 optimizers, got 2"):
        kernels.train_sweep(sweep, [sgd, sgd], train.rows, train.labels, 10, order, 5, np.ones((3, 2)))
    with pytest.raises(ValueError, match=r"need \(3, 2\) learning rates, got \(3, 3\)"):
        kernels.train_sweep(sweep, [sgd] * 3, train.rows, train.labels, 10, order, 5, np.ones((3, 3)))
    with pytest.raises(ValueError, match="batch_size must be at least 1"):
        kernels.train_sweep(sweep, [sgd] * 3, train.rows, train.labels, 10, order, 0, np.ones((3, 2)))
    with pytest.raises(ValueError, match="one shape and precision"):
        kernels.SweepState.stack([states[0], kernels.TrainingState.start(np.zeros((785, 16)))])
    member = sweep.member(1)
    assert np.shares_memory(member.parameters, sweep.parameters) and member.updates == 0


def test_a_sweep_compiles_its_kernels_before_its_clock_starts(mnist_dir):
    """The first sweep after start used to count compiling its kernel as training
    (6.07 s against 0.21 s): by its first point, in a new process, the sweep's kernel is
    compiled (or loaded from numba's cache, which a kernel does at its first call), and
    no training has been timed."""
    import subprocess
    import sys

    script = (
        "from compute.storage import data\n"
        "from compute.engine.sweep import Sweep\n"
        "from compute.kernels import drivers\n"
        "from compute.settings import Settings\n"
        f"pair = data.load({str(mnist_dir)!r})\n"
        "sweep = Sweep(pair, [Settings(learning_rate=r, epochs=1) for r in (0.1, 0.5)])\n"
        "steps = sweep.steps()\n"
        "assert not drivers.train_sweep.signatures\n"
        "first = next(news for news in steps if news)\n"  # the untrained points
        "assert first and sweep.train_seconds == 0.0\n"
        "assert drivers.train_sweep.signatures, 'compiled before the clock starts'\n"
        "print('ok')\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr
