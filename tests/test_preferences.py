"""The studio's preferences file, tried as a careless and a hostile user would: it comes
back as it was left, a link is never written through, and no value in it can stop the
studio from starting."""

import json
import os
import subprocess
import sys

import pytest

from app.preferences import VERSION, Preferences


@pytest.fixture
def config(tmp_path):
    folder = tmp_path / "config"
    folder.mkdir()
    return folder


def open_studio(path, data=None):
    from app.gui import build_window

    window = build_window(data, store=Preferences(path))
    window.show()
    return window


def test_the_studio_comes_back_as_it_was_left(qtbot, config, mnist_dir, no_qt_leaks):
    from compute.settings import preset

    path = config / "settings.json"
    window = open_studio(path, mnist_dir)
    qtbot.waitUntil(lambda: window.controller.data is not None, timeout=60_000)
    window.resize(780, 700)  # the offscreen screen is 800x600, and restoring clamps to it
    window.move(10, 20)
    window.controls.set_settings(preset("seed-sgd1"))
    left = window.geometry()
    window.close()
    stored = json.loads(path.read_text())
    assert stored["version"] == VERSION and str(mnist_dir.resolve()) in stored["values"]["recent"]
    again = open_studio(path)  # no folder named: the last one opens
    qtbot.waitUntil(lambda: again.controller.data is not None, timeout=60_000)
    assert again.size() == left.size()  # (the position may move by the frame's width)
    assert again.controls.settings() == preset("seed-sgd1")
    again.close()


def test_splitters_tab_and_axis_switches_come_back(qtbot, config, mnist_dir, no_qt_leaks):
    from PySide6.QtWidgets import QCheckBox, QComboBox, QSplitter, QTabWidget

    path = config / "settings.json"
    window = open_studio(path, mnist_dir)
    qtbot.waitUntil(lambda: window.controller.data is not None, timeout=60_000)
    window.resize(780, 580)
    plots = window.findChild(QSplitter, "plotsSplitter")
    studio = window.findChild(QSplitter, "studioSplitter")
    plots.setSizes([200, 0, 300])  # a long run list, as a user drags it
    studio.setSizes([260, 500])
    kept = (plots.sizes(), studio.sizes())
    window.findChild(QComboBox, "xAxisCombo").setCurrentText("epochs")
    window.findChild(QCheckBox, "logXCheck").setChecked(True)
    window.findChild(QTabWidget, "mainTabs").setCurrentIndex(3)
    window.close()
    again = open_studio(path)
    qtbot.waitUntil(lambda: again.controller.data is not None, timeout=60_000)
    tabs = again.findChild(QTabWidget, "mainTabs")
    assert tabs.currentIndex() == 3
    assert again.findChild(QComboBox, "xAxisCombo").currentText() == "epochs"
    assert again.findChild(QCheckBox, "logXCheck").isChecked()
    assert not again.findChild(QCheckBox, "logLossCheck").isChecked()
    tabs.setCurrentIndex(0)  # (a hidden page is laid out when it shows)
    qtbot.waitUntil(lambda: (again.findChild(QSplitter, "plotsSplitter").sizes(),
                             again.findChild(QSplitter, "studioSplitter").sizes()) == kept, timeout=5000)
    again.close()


def test_a_settings_file_that_is_a_link_is_never_written_through(qtbot, config, tmp_path, no_qt_leaks):
    target = tmp_path / "someone-elses-file"
    target.write_text("precious")
    path = config / "settings.json"
    path.symlink_to(target)
    window = open_studio(path)
    window.resize(900, 650)
    window.close()
    assert target.read_text() == "precious" and path.is_symlink()


def test_two_studios_keep_each_others_changes(config):
    path = config / "settings.json"
    first, second = Preferences(path), Preferences(path)
    first.setValue("last_dir", "/one")
    first.sync()
    second.setValue("recent", json.dumps(["/two"]))
    second.sync()
    merged = Preferences(path)
    assert merged.value("last_dir") == "/one" and merged.value("recent") == json.dumps(["/two"])


def test_a_newer_file_is_used_but_never_rewritten(config, capfd):
    path = config / "settings.json"
    text = json.dumps({"version": VERSION + 1, "values": {"last_dir": "/kept"}, "more": 1})
    path.write_text(text)
    preferences = Preferences(path)
    assert preferences.value("last_dir") == "/kept"
    preferences.setValue("last_dir", "/changed")
    preferences.sync()
    assert path.read_text() == text
    assert "written by a newer Softmax Lab" in capfd.readouterr().err


HOSTILE = {
    "numbers in recent": {"recent": json.dumps([1, 2.5, None, {"a": 1}])},
    "recent not JSON": {"recent": "[[[["},
    "recent deeply nested": {"recent": "[" * 100_000 + "]" * 100_000},
    "settings not an object": {"settings": json.dumps([1, 2, 3])},
    "settings as a number": {"settings": 7},
    "epochs 1e300": {"settings": json.dumps({"epochs": 1e300, "learning_rate": "fast"})},
    "geometry as a string": {"geometry": "not a geometry"},
    "geometry as a list": {"geometry": [1, 2, 3]},
    "last_dir a number": {"last_dir": 5},
    "view not JSON": {"view": "{{{"},
    "view of wrong kinds": {"view": json.dumps({"splitters": {"plotsSplitter": 5, "studioSplitter": "%%%"},
                                                "tab": 99, "x_axis": ["x"], "log_x": "yes"})},
    "tab a boolean": {"view": json.dumps({"tab": True})},
    "theme unknown": {"theme": "purple"},
}


def start(config, timeout=60):
    """The real application, offscreen, closed after a second; (status, stderr)."""
    env = {**os.environ, "XDG_CONFIG_HOME": str(config.parent / "xdg-config"), "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run([sys.executable, "-m", "app", "gui", "--quit-after", "1"], capture_output=True,
                          text=True, timeout=timeout, env=env)
    return done.returncode, done.stderr


def settings_file(config):
    folder = config.parent / "xdg-config" / "softmax-lab"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / "settings.json"


def opens_and_closes(qtbot, path, capfd):
    """The studio with the preferences in ``path``, shown, given a moment and closed (an
    exception in a slot fails the test: pytest-qt reports it); what it said on stderr."""
    window = open_studio(path)
    qtbot.addWidget(window)
    qtbot.wait(200)
    window.close()
    err = capfd.readouterr().err
    assert "Traceback" not in err, err
    return err


@pytest.mark.parametrize("case", list(HOSTILE))
def test_no_value_stops_the_studio_from_starting(qtbot, config, capfd, case, no_qt_leaks):
    path = config / "settings.json"
    path.write_text(json.dumps({"version": VERSION, "values": HOSTILE[case]}))
    opens_and_closes(qtbot, path, capfd)


@pytest.mark.parametrize("content", [b"{not json", b"\xff\xfe binary", b'{"values": 3}', b"[]"])
def test_a_damaged_file_is_moved_aside_and_the_studio_starts(qtbot, config, capfd, content, no_qt_leaks):
    path = config / "settings.json"
    path.write_bytes(content)
    err = opens_and_closes(qtbot, path, capfd)
    assert "moved aside to settings.json.bad" in err
    assert path.with_name("settings.json.bad").read_bytes() == content
    assert json.loads(path.read_text())["version"] == VERSION  # a fresh file at close


@pytest.mark.slow
def test_a_fifo_or_a_huge_file_is_passed_over_at_once(config):
    path = settings_file(config)
    os.mkfifo(path)
    status, err = start(config, timeout=30)  # a read would block forever
    assert status == 0 and "is not a regular file" in err and "Traceback" not in err
    path.unlink()
    path.write_bytes(b" " * 2_000_000)
    status, err = start(config)
    assert status == 0 and "it is not read" in err
