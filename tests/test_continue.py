"""Training on from a parameter file or a run: train --init-from, Run > Continue training."""

import json

import h5py
import numpy as np
import pytest

from app.resources import BUNDLED_PIXELS
from test_cli import softmax_lab


def test_init_from_with_a_tiny_rate_ends_at_the_files_own_accuracy(mnist_dir):
    own = json.loads(softmax_lab("evaluate", "--params", BUNDLED_PIXELS, "--data", mnist_dir,
                                 "--json").stdout)
    done = softmax_lab("train", "--data", mnist_dir, "--init-from", BUNDLED_PIXELS, "--learning-rate",
                       "1e-9", "--epochs", "1", "--eval-every", "60000", "--json", "--quiet")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["test_accuracy"] == own["accuracy"]
    assert result["test_loss"] == pytest.approx(own["loss"], abs=1e-6)


@pytest.mark.parametrize("shape,words", [
    ((10, 100), "'w' has 100 features per class but the data has 784"),
    ((5, 784), "has 5 classes but the data has 10"),
])
def test_init_from_parameters_that_do_not_fit_is_one_line(mnist_dir, tmp_path, shape, words):
    path = tmp_path / "other.hdf5"
    with h5py.File(path, "w") as f:
        f["w"] = np.zeros(shape)
        f["b"] = np.zeros((shape[0], 1))
    done = softmax_lab("train", "--data", mnist_dir, "--init-from", path, "--quiet")
    assert done.returncode == 2 and done.stderr.count("\n") == 1
    assert "other.hdf5" in done.stderr and words in done.stderr


def test_continue_training_a_loaded_file_in_the_studio(qtbot, mnist_dir, tmp_path, no_qt_leaks):
    from PySide6.QtCore import QSettings
    from PySide6.QtGui import QAction

    from app.gui import build_window
    from compute.settings import PRESETS

    window = build_window(mnist_dir, store=QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    window.show()
    qtbot.waitUntil(lambda: window.controller.data is not None, timeout=60_000)
    action = window.findChild(QAction, "continueAction")
    assert not action.isEnabled()  # nothing selected
    with qtbot.waitSignal(window.controller.runAdded, timeout=60_000):
        window.controller.load_params(BUNDLED_PIXELS)
    loaded = window.controller.runs[0]
    window.runs.selectRow(0)
    assert action.isEnabled()
    window.controls.set_settings(PRESETS["seed-minibatch100"])
    with qtbot.waitSignal(window.controller.busyChanged, timeout=60_000):
        action.trigger()
    qtbot.waitUntil(lambda: not window.controller.busy, timeout=60_000)
    run = window.controller.runs[1]
    assert run.name == "mnist-softmax.hdf5 + seed-minibatch100"
    # It starts where the file is (its first point, before any update) ...
    assert run.points[0].samples_seen == 0
    assert abs(run.points[0].test_accuracy - loaded.last.test_accuracy) <= 2e-4  # float32 training copy
    # ... and not where a new run starts (10% accuracy).
    assert run.points[-1].test_accuracy > 0.9
    window.close()
