"""Before the window opens: a missing display or missing X11 libraries get one line and exit 1."""

import os
import subprocess
import sys

from app import preflight

LINUX = "linux"


def test_no_display_is_one_line():
    message = preflight.problem({}, LINUX, missing=lambda: [])
    assert "no display (DISPLAY is not set)" in message and "\n" not in message


def test_missing_libraries_are_named_with_the_install_commands():
    missing = ["libxcb-icccm.so.4", "libxcb-keysyms.so.1", "libxcb-cursor.so.0"]
    message = preflight.problem({"DISPLAY": ":0"}, LINUX, missing=lambda: missing)
    assert "libxcb-icccm.so.4, libxcb-keysyms.so.1, libxcb-cursor.so.0" in message
    assert "sudo apt install libxcb-icccm4 libxcb-keysyms1 libxcb-cursor0" in message
    assert "sudo dnf install xcb-util-wm xcb-util-keysyms xcb-util-cursor" in message
    assert "\n" not in message


def test_nothing_to_say_when_the_window_can_open():
    assert preflight.problem({"DISPLAY": ":0"}, LINUX, missing=lambda: []) is None
    assert preflight.problem({"QT_QPA_PLATFORM": "offscreen"}, LINUX, missing=lambda: ["x"]) is None
    assert preflight.problem({"WAYLAND_DISPLAY": "wayland-0"}, LINUX, missing=lambda: ["x"]) is None
    assert preflight.problem({}, "darwin", missing=lambda: ["x"]) is None


def test_the_real_plugin_is_checked_with_its_runtime_library():
    found = preflight.missing_libraries(loads=lambda name: False)
    assert found[-1] == "libxcb-cursor.so.0"  # opened by Qt at run time: always tried
    assert all(name.startswith("lib") and ".so" in name for name in found)


def test_the_app_without_a_display_exits_1_with_one_line():
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    done = subprocess.run([sys.executable, "-m", "app"], capture_output=True, text=True, timeout=120,
                          env=env)
    assert done.returncode == 1
    assert done.stderr.strip().startswith("softmax-lab: cannot open a window: no display")
    assert len(done.stderr.strip().splitlines()) == 1
