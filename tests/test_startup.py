"""How the process starts: what numba and OpenMP are told, and what the command line imports."""

import os
import subprocess
import sys

import pytest


def python(code, **env):
    """Run ``code`` in a fresh interpreter; its last line of output (stderr, else stdout)."""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          env={**os.environ, **env})
    assert done.returncode == 0, done.stderr
    return (done.stderr.strip() or done.stdout.strip()).splitlines()[-1]


def test_idle_parallel_threads_sleep_unless_the_user_says_otherwise():
    show = "import os, compute.kernels.config; print(os.environ['OMP_WAIT_POLICY'])"
    env = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"}
    done = subprocess.run([sys.executable, "-c", show], capture_output=True, text=True, timeout=120, env=env)
    assert done.stdout.strip() == "PASSIVE"
    assert python(show, OMP_WAIT_POLICY="ACTIVE") == "ACTIVE"


LIGHT = """
import sys
from app.cli import main
try:
    status = main({argv!r})
except SystemExit as exit:
    status = exit.code
print(status, "numba" in sys.modules, file=sys.stderr)
"""


def test_help_argument_errors_and_bad_pictures_import_no_numba(tmp_path):
    # Compiling kernels costs seconds: nothing that only answers questions may import numba.
    assert python(LIGHT.format(argv=["--help"])) == "0 False"
    assert python(LIGHT.format(argv=["train", "--help"])) == "0 False"
    assert python(LIGHT.format(argv=["train", "--batch-size", "0"])) == "2 False"
    assert python(LIGHT.format(argv=["train", "--learning-rate", "-1"])) == "2 False"
    assert python(LIGHT.format(argv=["train", "--train", "a.hdf5"])) == "2 False"
    (tmp_path / "not-a-picture.png").write_text("text")
    assert python(LIGHT.format(argv=["predict", str(tmp_path / "not-a-picture.png")])) == "2 False"


FIRST_START = """
import json, sys, time
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication
from app.gui import build_window
from compute.settings import PRESETS
from ui.main_window import PREPARING_TEXT

app = QApplication([])
started = time.perf_counter()
window = build_window(sys.argv[1], store=QSettings(sys.argv[2], QSettings.Format.IniFormat))
seen = {"messages": set()}
window.statusBar().messageChanged.connect(lambda text: seen["messages"].add(text))

def data_shown(_):
    seen["data_after"] = time.perf_counter() - started
    window.controls.set_settings(PRESETS["seed-minibatch100"])
    window.start_button.click()  # at once: before the kernels are ready on a first start

def ended(busy):
    if not busy:
        seen["run_after"] = time.perf_counter() - started
        seen["status"] = str(window.controller.runs[0].status)
        window.close()

window.controller.dataChanged.connect(data_shown)
window.controller.busyChanged.connect(ended)
window.show()
app.exec()
print(json.dumps({"data_after": seen["data_after"], "run_after": seen["run_after"],
                  "status": seen["status"], "preparing_shown": PREPARING_TEXT in seen["messages"]}))
"""


@pytest.mark.slow
def test_first_start_shows_the_data_at_once_and_start_waits_for_the_kernels(mnist_dir, tmp_path):
    import json

    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path / "numba"), "QT_QPA_PLATFORM": "offscreen",
           "SOFTMAX_LAB_CACHE": str(tmp_path / "rows")}
    done = subprocess.run([sys.executable, "-c", FIRST_START, str(mnist_dir), str(tmp_path / "s.ini")],
                          capture_output=True, text=True, timeout=600, env=env)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["status"] == "finished"
    assert result["preparing_shown"], "a first start says the kernels are being prepared"
    # The data is on screen long before the kernels are compiled (seconds on a first start).
    assert result["data_after"] < result["run_after"] - 2


def test_the_studio_takes_qts_own_arguments_and_only_it_does(tmp_path, mnist_dir):
    """``-platform offscreen`` with no display anywhere: the studio opens only if Qt got
    the argument (it was refused as not ours, and Qt never saw it); ``-style fusion`` is
    taken too; an argument neither takes is one line and exit status 2."""
    env = {key: value for key, value in os.environ.items()
           if key not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    env.update(XDG_CONFIG_HOME=str(tmp_path / "config"), XDG_DATA_HOME=str(tmp_path / "data"))

    def studio(*arguments):
        return subprocess.run([sys.executable, "-m", "app", *arguments], capture_output=True, text=True,
                              timeout=120, env=env)

    done = studio("gui", "-platform", "offscreen", "-style", "fusion", "--quit-after", "0.5",
                  "--no-history", "--data", str(mnist_dir))
    assert done.returncode == 0, done.stderr
    done = studio("gui", "-platform", "offscreen", "-nonsense", "--quit-after", "0.5", "--no-history")
    assert done.returncode == 2
    assert done.stderr.strip().splitlines()[-1] == ("softmax-lab: error: unrecognized arguments (neither "
                                                    "Softmax Lab's nor Qt's): -nonsense")
    done = studio("train", "-style", "fusion")  # not the studio: not Qt's either
    assert done.returncode == 2 and "unrecognized arguments: -style fusion" in done.stderr
