"""The studio meets every hostile file of tests/hostile_files.py through its menus: File >
Open HDF5 files and File > Load parameters. Each gets its one-line message naming the
file, the window keeps its data and keeps working, and nothing crashes (a crash would end
the test run: these cases are all checked in subprocesses by test_hostile.py first)."""

import numpy as np
import pytest
from PySide6.QtCore import QObject, QSettings
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFileDialog

from app.gui import build_window
from hostile_files import DATA, PARAMS, course_file

WAIT_MS = 60_000


@pytest.fixture
def studio(qtbot, mnist_dir, tmp_path, no_qt_leaks):
    store = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    window = build_window(mnist_dir, store=store)
    window.show()
    qtbot.waitUntil(lambda: window.controller.data is not None, timeout=WAIT_MS)
    yield window
    window.close()


def choose_files(monkeypatch, *paths):
    """Answer the next file dialogs with ``paths``, in turn."""
    answers = iter([(str(p), "") for p in paths])
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: next(answers))


def told(qtbot, window, action_name, name):
    """Trigger a menu action and return the message that names ``name``."""
    window.last_message = None
    window.findChild(QAction, action_name).trigger()
    qtbot.waitUntil(lambda: window.last_message is not None, timeout=WAIT_MS)
    message = window.last_message
    assert name in message, message
    return message


def test_every_hostile_data_file_is_refused_in_a_message_and_the_data_stays(
        qtbot, studio, tmp_path, monkeypatch):
    mnist = studio.controller.data
    test = course_file(tmp_path / "test.hdf5")
    for case, (make, words) in sorted(DATA.items()):
        path = make(tmp_path)
        choose_files(monkeypatch, path, test)
        message = told(qtbot, studio, "openFilesAction", path.name)
        assert "\n" not in message and "Traceback" not in message, (case, message)
        for word in words:
            assert word in message, (case, message)
        assert studio.controller.data is mnist, case
    assert studio.findChild(QObject, "messageBox").isVisible()

    # Still working: a legitimate file (float16 pixels) opens, and a run trains on it.
    good = course_file(tmp_path / "half.hdf5", X=(np.arange(640).reshape(40, 16) % 256 / 255).astype(np.float16))
    choose_files(monkeypatch, good, test)
    with qtbot.waitSignal(studio.controller.dataChanged, timeout=WAIT_MS):
        studio.findChild(QAction, "openFilesAction").trigger()
    assert studio.controller.data.train.n_features == 16
    with qtbot.waitSignal(studio.controller.busyChanged, timeout=WAIT_MS):
        studio.start_button.click()
    qtbot.waitUntil(lambda: not studio.controller.busy, timeout=WAIT_MS)
    assert studio.runs.all_runs()[-1].last is not None


def test_every_hostile_parameter_file_is_refused_in_a_message(qtbot, studio, tmp_path, monkeypatch):
    for case, (make, words) in sorted(PARAMS.items()):
        path = make(tmp_path)
        choose_files(monkeypatch, path)
        message = told(qtbot, studio, "loadParamsAction", path.name)
        assert "\n" not in message and "Traceback" not in message, (case, message)
        for word in words:
            assert word in message, (case, message)
        assert studio.runs.all_runs() == [], case
