"""The output guard, tried through the real command line: no output may overwrite an
input of its command (named, found, linked), two outputs may not share a path, and one
output that fails to write never stops the others.

Every input here is a copy in a temporary folder (a slice of the real MNIST): as root a
guard that failed would overwrite even read-only files, and ../shared/data must survive.
"""

import contextlib
import io
import os
import subprocess
import sys
from pathlib import Path

import h5py
import numpy as np
import pytest

from app.cli import EXIT_BAD_INPUT, main
from compute.storage.sources import CLASSES_TXT, IDX_NAMES, TEST_HDF5, TRAIN_HDF5


def _write_idx(path, array):
    import gzip

    header = bytes([0, 0, 8, array.ndim]) + b"".join(int(n).to_bytes(4, "big") for n in array.shape)
    with gzip.open(path, "wb") as f:
        f.write(header + array.astype(np.uint8).tobytes())


@pytest.fixture(scope="module")
def owned(mnist_dir, tmp_path_factory):
    """A user's files: a course-schema folder (with class names), an IDX folder and a
    parameter file, each a slice of the real MNIST."""
    root = tmp_path_factory.mktemp("owned")
    course, idx = root / "course", root / "idx"
    course.mkdir()
    idx.mkdir()
    for name, rows in ((TRAIN_HDF5, 3000), (TEST_HDF5, 500)):
        with h5py.File(mnist_dir / name, "r") as source, h5py.File(course / name, "w") as f:
            x, y = source["xdata"][:rows], source["ydata"][:rows]
            f["xdata"], f["ydata"] = x, y
        images = np.rint(x * 255).reshape(-1, 28, 28)
        labels = np.argmax(y, axis=1)
        kind = "train" if name == TRAIN_HDF5 else "test"
        _write_idx(idx / f"{IDX_NAMES[kind + '_images']}.gz", images)
        _write_idx(idx / f"{IDX_NAMES[kind + '_labels']}.gz", labels)
    (course / CLASSES_TXT).write_text("\n".join(f"digit {k}" for k in range(10)) + "\n")
    params = root / "start.hdf5"
    assert cli("train", "--data", course, "--epochs", "1", "--quiet", "--save", params)[0] == 0
    return root


def cli(*args, env=None):
    """Run the command line in this process; its status and what it printed on stderr."""
    err = io.StringIO()
    old = {k: os.environ.get(k) for k in (env or {})}
    os.environ.update(env or {})
    try:
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            status = main([str(a) for a in args])
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    return status, err.getvalue()


def snapshot(root):
    return {p: p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def inputs_of(owned):
    """(name, data options, the input path an output is aimed at, environment)."""
    course, idx = owned / "course", owned / "idx"
    by_folder = ["--data", course]
    cases = [(f"course/{name}", by_folder, course / name, {}) for name in (TRAIN_HDF5, TEST_HDF5, CLASSES_TXT)]
    cases.append(("the data folder", by_folder, course, {}))
    cases += [(f"idx/{stem}.gz", ["--data", idx], idx / f"{stem}.gz", {}) for stem in IDX_NAMES.values()]
    cases.append(("--train file", ["--train", course / TRAIN_HDF5, "--test", course / TEST_HDF5],
                  course / TRAIN_HDF5, {}))
    cases.append(("$SOFTMAX_LAB_DATA's file", [], course / TRAIN_HDF5, {"SOFTMAX_LAB_DATA": str(course)}))
    return cases


OUTPUTS = [("train", "--save"), ("train", "--metrics"), ("train", "--report"),
           ("sweep", "--csv"), ("sweep", "--save-best"), ("sweep", "--metrics"),
           ("assignment", "--out")]


def test_no_output_flag_can_overwrite_any_input(owned):
    before = snapshot(owned)
    refused = 0
    for command, flag in OUTPUTS:
        for name, data_options, target, env in inputs_of(owned):
            if command == "assignment" and "--train" in data_options:
                continue  # assignment takes --data only
            extra = ["--learning-rate", "0.1,0.5"] if command == "sweep" else []
            extra += ["--epochs", "1"] if command != "assignment" else []
            status, said = cli(command, *data_options, *extra, flag, target, env=env)
            assert status == EXIT_BAD_INPUT, (command, flag, name, said)
            assert said.count("\n") == 1 and flag in said and str(target) in said, said
            refused += 1
    assert snapshot(owned) == before
    assert refused == 7 * 10 - 1


def test_links_to_an_input_and_init_from_are_inputs_too(owned, tmp_path):
    course = owned / "course"
    before = snapshot(owned)
    (tmp_path / "alias.hdf5").symlink_to(course / TRAIN_HDF5)
    os.link(course / TEST_HDF5, tmp_path / "hard.hdf5")
    start = owned / "start.hdf5"
    for target in (tmp_path / "alias.hdf5", tmp_path / "hard.hdf5"):
        status, said = cli("train", "--data", course, "--save", target)
        assert status == EXIT_BAD_INPUT and "is one of the inputs being read" in said, said
    status, said = cli("train", "--data", course, "--init-from", start, "--metrics", start)
    assert status == EXIT_BAD_INPUT and f"--metrics: {start}: is one of the inputs being read" in said
    assert snapshot(owned) == before


def test_two_outputs_cannot_share_a_path(owned, tmp_path):
    course = owned / "course"
    same = tmp_path / "x"
    status, said = cli("train", "--data", course, "--metrics", same, "--save", same)
    assert status == EXIT_BAD_INPUT and "named by both --save and --metrics" in said
    status, said = cli("sweep", "--data", course, "--learning-rate", "0.1,0.5", "--csv", same,
                       "--save-best", same)
    assert status == EXIT_BAD_INPUT and "named by both --csv and --save-best" in said
    status, said = cli("train", "--data", course, "--save", "")
    assert status == EXIT_BAD_INPUT and "--save: an empty name was given; name a new file" in said
    assert not same.exists()


@pytest.fixture
def full_disk(tmpfs):
    """A real file system with no room left (a 64 KiB tmpfs, filled)."""
    return tmpfs(full=True)


def test_a_full_disk_under_one_output_loses_none_of_the_others(owned, tmp_path, full_disk):
    course = owned / "course"
    saved, report = tmp_path / "p.hdf5", tmp_path / "report"
    status, said = cli("train", "--data", course, "--epochs", "1", "--metrics", full_disk / "curve.csv",
                       "--save", saved, "--report", report)
    assert status == EXIT_BAD_INPUT
    assert f"not written: {full_disk / 'curve.csv'}" in said and "No space left" in said, said
    assert not (full_disk / "curve.csv").exists() and not list(full_disk.glob(".curve*"))
    with h5py.File(saved, "r") as f:
        assert f["w"].shape == (10, 784)
    assert (report / "index.html").is_file()
    status, said = cli("sweep", "--data", course, "--epochs", "1", "--learning-rate", "0.1,0.5",
                       "--csv", full_disk / "table.csv", "--save-best", tmp_path / "best.hdf5")
    assert status == EXIT_BAD_INPUT and "No space left" in said
    assert (tmp_path / "best.hdf5").is_file()


def studio_with_a_run(qtbot, folder, tmp_path):
    """The studio on ``folder``, with one finished run selected in the run list."""
    from PySide6.QtCore import QSettings

    from app.gui import build_window
    from compute.settings import preset

    window = build_window(folder, store=QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    window.show()
    controller = window.controller
    qtbot.waitUntil(lambda: controller.data is not None, timeout=60_000)
    window.controls.set_settings(preset("seed-minibatch100"))
    with qtbot.waitSignal(controller.busyChanged, check_params_cb=lambda busy: not busy, timeout=120_000):
        window.start_run()
    window.runs.selectRow(0)
    return window


def test_the_studio_refuses_to_write_over_its_open_data_and_my_digits(qtbot, owned, tmp_path, no_qt_leaks,
                                                                     monkeypatch):
    """Save parameters, Export curves and My digits > Export, aimed at the open data files,
    each say why at once and change nothing; aimed elsewhere, they write."""
    from PySide6.QtGui import QAction
    from PySide6.QtWidgets import QFileDialog

    from compute.storage import my_digits

    course = owned / "course"
    before = snapshot(owned)
    window = studio_with_a_run(qtbot, course, tmp_path)
    controller = window.controller
    my_digits.add(np.zeros(784, np.float32), 3, 10)
    window.draw.my_digits = my_digits.load()
    actions = {name: window.findChild(QAction, name)
               for name in ("saveParamsAction", "exportCsvAction", "myDigitsExportAction")}
    for name, action in actions.items():
        for target in (course / TRAIN_HDF5, course / TEST_HDF5, my_digits.default_path()):
            monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, t=target, **k: (str(t), ""))
            window.last_message = ""
            action.trigger()
            qtbot.waitUntil(lambda: "is one of the inputs being read" in window.last_message, timeout=5000)
            assert str(target) in window.last_message, (name, window.last_message)
    assert snapshot(owned) == before
    kept = tmp_path / "kept.hdf5"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(kept), ""))
    with qtbot.waitSignal(controller.fileWritten, timeout=30_000):
        actions["myDigitsExportAction"].trigger()
    assert len(my_digits.load(kept)) == 1
    window.close()


def test_a_folder_whose_name_is_not_utf8_can_be_trained_from_and_saved_to(owned, tmp_path):
    folder = Path(os.fsdecode(bytes(tmp_path) + b"/data-\xff-\xd0\xb0"))
    folder.mkdir()
    for name in (TRAIN_HDF5, TEST_HDF5):
        (folder / name).symlink_to(owned / "course" / name)
    status, said = cli("train", "--data", folder, "--epochs", "1", "--save", folder / "p.hdf5",
                       "--metrics", folder / "m.csv", "--report", folder / "report")
    assert status == 0, said
    with h5py.File(folder / "p.hdf5", "r") as f:
        assert "\\xff" in f.attrs["train_data"]
    assert (folder / "report" / "index.html").is_file() and (folder / "m.csv").is_file()
    status, said = cli("assignment", "--data", folder, "--out", folder / "course-report", "--quiet")
    assert status == 0, said
    assert (folder / "course-report" / "index.html").is_file()


def test_a_strict_ascii_terminal_gets_escapes_not_a_traceback(owned, tmp_path):
    env = {**os.environ, "PYTHONIOENCODING": "ascii:strict"}
    done = subprocess.run([sys.executable, "-m", "app", "sweep", "--data", owned / "course", "--optimizer",
                           "adam", "--beta1", "0.8,0.9", "--epochs", "1", "--quiet"],
                          capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    assert "\\u03b21" in done.stdout  # β1, escaped


def test_json_is_standard_and_huge_weights_give_their_true_loss(owned, tmp_path, capsys):
    """Weights of 3e38 make every logit equal: the loss is log(10), not 0; a NaN loss is
    JSON's null, never the bare NaN that parsers refuse."""
    import json

    huge = tmp_path / "huge.hdf5"
    with h5py.File(huge, "w") as f:
        f["w"], f["b"] = np.full((10, 784), 3e38), np.zeros((10, 1))
    assert main(["evaluate", "--params", str(huge), "--data", str(owned / "course"), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["loss"] == pytest.approx(np.log(10))
    from compute.storage.export import json_text

    assert json_text({"loss": float("nan"), "more": [np.float32("inf"), 1.5]}) == \
        '{"loss": null, "more": [null, 1.5]}'


def test_text_that_a_spreadsheet_would_run_is_written_as_text(owned, tmp_path):
    """Class names starting with = + - @ go into CSV files with a leading apostrophe."""
    import csv
    import shutil

    folder = tmp_path / "data"
    shutil.copytree(owned / "course", folder)
    names = ["=HYPERLINK(\"http://x\")", "+1", "-2", "@SUM(A1)", *[f"c{k}" for k in range(4, 10)]]
    (folder / CLASSES_TXT).write_text("\n".join(names) + "\n")
    status, said = cli("train", "--data", folder, "--epochs", "1", "--report", tmp_path / "report")
    assert status == 0, said
    with open(tmp_path / "report" / "confusion.csv", newline="", encoding="utf-8") as f:
        header = next(csv.reader(f))
    assert header[1:5] == ["'=HYPERLINK(\"http://x\")", "'+1", "'-2", "'@SUM(A1)"]


@pytest.fixture
def read_only_folder(tmpfs):
    """A real read-only file system (a tmpfs remounted read-only): root cannot write it."""
    return tmpfs(size="1m", read_only=True)


def test_outputs_that_cannot_be_created_are_refused_before_any_training(owned, tmp_path, read_only_folder):
    course = owned / "course"
    long_name = tmp_path / ("n" * 260 + ".hdf5")
    for flag, target, words in (
            ("--save", read_only_folder / "p.hdf5", "cannot write in"),
            ("--report", read_only_folder / "report", "cannot write in"),
            ("--metrics", Path("/proc/curve.csv"), "cannot write in"),
            ("--report", Path("/proc/report"), "cannot write in"),
            ("--save", long_name, "a name of 265 bytes"),
            ("--report", tmp_path / ("r" * 300), "a name of 300 bytes")):
        done = subprocess.run([sys.executable, "-c", LIGHT, "train", "--data", str(course), flag, str(target)],
                              capture_output=True, text=True, timeout=120)
        status, numba_loaded = done.stdout.split()
        assert status == "2" and numba_loaded == "False", (flag, target, done.stderr)
        assert flag in done.stderr and words in done.stderr and "Traceback" not in done.stderr


#: Runs the command line and says its status and whether the engine (numba) was loaded:
#: a refused output must be refused before any compiling or training.
LIGHT = """
import sys
from app.cli import main
status = main(sys.argv[1:])
print(status, "numba" in sys.modules)
"""


def test_install_desktop_into_a_read_only_home_says_so(read_only_folder):
    done = subprocess.run([sys.executable, "-m", "app", "install-desktop"], capture_output=True, text=True,
                          timeout=60, env={**os.environ, "XDG_DATA_HOME": str(read_only_folder)})
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    assert "cannot write there (Read-only file system)" in done.stderr


def test_a_full_disk_in_the_studio_names_the_file(qtbot, owned, tmp_path, full_disk, monkeypatch, no_qt_leaks):
    from PySide6.QtGui import QAction
    from PySide6.QtWidgets import QFileDialog

    window = studio_with_a_run(qtbot, owned / "course", tmp_path)
    target = full_disk / "params.hdf5"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    window.findChild(QAction, "saveParamsAction").trigger()
    qtbot.waitUntil(lambda: "No space left" in window.last_message, timeout=30_000)
    assert str(target) in window.last_message
    assert not target.exists() and not list(full_disk.glob(".params*"))
    window.close()


def test_a_deeply_nested_class_names_attribute_and_an_output_link_loop(owned, tmp_path, capsys):
    import json

    params = tmp_path / "nested.hdf5"
    with h5py.File(owned / "start.hdf5", "r") as source, h5py.File(params, "w") as f:
        f["w"], f["b"] = source["w"][()], source["b"][()]
        f.attrs["class_names"] = "[" * 100_000 + "]" * 100_000
    assert main(["evaluate", "--params", str(params), "--data", str(owned / "course"), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["samples"] == 500
    loop = tmp_path / "loop.csv"
    loop.symlink_to(loop)
    status, said = cli("train", "--data", owned / "course", "--metrics", loop)
    assert status == EXIT_BAD_INPUT and said.count("\n") == 1 and "loop.csv" in said, said

