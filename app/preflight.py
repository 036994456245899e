"""Before the window opens: is there a display, and can Qt's X11 plugin load?

Qt aborts the whole process (exit 134) when its platform plugin cannot load, with a
message that names a package of another distribution. We check first, and say in one
line what is missing and how to install it.
"""

import ctypes
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

#: Qt loads this one by dlopen() when the X11 plugin starts (Qt >= 6.5), so no linker
#: list names it.
RUNTIME_LIBRARIES = ("libxcb-cursor.so.0",)

#: The packages that provide each library: (Debian/Ubuntu, Fedora).
PACKAGES = {
    "libxcb-cursor.so.0": ("libxcb-cursor0", "xcb-util-cursor"),
    "libxcb-icccm.so.4": ("libxcb-icccm4", "xcb-util-wm"),
    "libxcb-keysyms.so.1": ("libxcb-keysyms1", "xcb-util-keysyms"),
    "libxcb-image.so.0": ("libxcb-image0", "xcb-util-image"),
    "libxcb-render-util.so.0": ("libxcb-render-util0", "xcb-util-renderutil"),
    "libxkbcommon-x11.so.0": ("libxkbcommon-x11-0", "libxkbcommon-x11"),
    "libxkbcommon.so.0": ("libxkbcommon0", "libxkbcommon"),
    "libxcb.so.1": ("libxcb1", "libxcb"),
    "libX11-xcb.so.1": ("libx11-xcb1", "libX11-xcb"),
    "libX11.so.6": ("libx11-6", "libX11"),
    "libEGL.so.1": ("libegl1", "libglvnd-egl"),
    "libGL.so.1": ("libgl1", "libglvnd-glx"),
    "libOpenGL.so.0": ("libopengl0", "libglvnd-opengl"),
    "libfontconfig.so.1": ("libfontconfig1", "fontconfig"),
    "libfreetype.so.6": ("libfreetype6", "freetype"),
    "libdbus-1.so.3": ("libdbus-1-3", "dbus-libs"),
    "libglib-2.0.so.0": ("libglib2.0-0", "glib2"),
    "libSM.so.6": ("libsm6", "libSM"),
    "libICE.so.6": ("libice6", "libICE"),
    "libxcb-xkb.so.1": ("libxcb-xkb1", "libxcb"),
    "libxcb-sync.so.1": ("libxcb-sync1", "libxcb"),
    "libxcb-randr.so.0": ("libxcb-randr0", "libxcb"),
    "libxcb-shape.so.0": ("libxcb-shape0", "libxcb"),
    "libxcb-xfixes.so.0": ("libxcb-xfixes0", "libxcb"),
    "libxcb-shm.so.0": ("libxcb-shm0", "libxcb"),
    "libxcb-xinerama.so.0": ("libxcb-xinerama0", "libxcb"),
    "libxcb-render.so.0": ("libxcb-render0", "libxcb"),
}


def _xcb_plugin():
    import PySide6

    plugin = Path(PySide6.__file__).parent / "Qt" / "plugins" / "platforms" / "libqxcb.so"
    return plugin if plugin.is_file() else None


def _loads(soname):
    try:
        ctypes.CDLL(soname)
    except OSError:
        return False
    return True


def missing_libraries(plugin=None, loads=_loads):
    """System libraries the X11 plugin needs that cannot be loaded, in order, or [].

    Uses ``ldd`` (which follows the plugin's whole dependency tree) where there is one,
    then tries the libraries Qt opens at run time.
    """
    plugin = plugin or _xcb_plugin()
    missing = []
    if plugin is not None and shutil.which("ldd"):
        done = subprocess.run(["ldd", str(plugin)], capture_output=True, text=True, timeout=30)
        missing += re.findall(r"^\s*(\S+) => not found", done.stdout, re.M)
    missing += [name for name in RUNTIME_LIBRARIES if not loads(name)]
    return list(dict.fromkeys(missing))


def install_advice(libraries):
    """The install commands for ``libraries`` on Debian/Ubuntu and on Fedora."""
    debian = dict.fromkeys(PACKAGES.get(name, (name, name))[0] for name in libraries)
    fedora = dict.fromkeys(PACKAGES.get(name, (name, name))[1] for name in libraries)
    return (f"Debian/Ubuntu: sudo apt install {' '.join(debian)}; "
            f"Fedora: sudo dnf install {' '.join(fedora)}")


def problem(environ=None, platform=None, missing=missing_libraries, arguments=()):
    """Why the window cannot open here, as one line, or None when it can.

    Parameters
    ----------
    environ : mapping, optional
        The environment (default ``os.environ``).
    platform : str, optional
        ``sys.platform`` (default): only Linux is checked.
    missing : callable
        Returns the missing libraries (tests pass a stand-in).
    arguments : list of str
        Qt's command-line arguments: ``-platform NAME`` chooses as QT_QPA_PLATFORM does.
    """
    environ = os.environ if environ is None else environ
    platform = sys.platform if platform is None else platform
    chosen = environ.get("QT_QPA_PLATFORM", "")
    for flag, value in zip(arguments, list(arguments)[1:]):
        if flag in ("-platform", "--platform"):
            chosen = value
    if not platform.startswith("linux") or (chosen and not chosen.startswith("xcb")):
        return None  # Qt's own platform on macOS/Windows, or a platform the user chose
    if environ.get("WAYLAND_DISPLAY") and not chosen:
        return None  # Qt prefers Wayland there
    if not environ.get("DISPLAY"):
        return ("cannot open a window: no display (DISPLAY is not set). Start it from a "
                "desktop session, or use the command line (softmax-lab train --help)")
    libraries = missing()
    if libraries:
        return (f"cannot open a window: Qt's X11 plugin needs system libraries that are not "
                f"installed ({', '.join(libraries)}). {install_advice(libraries)}")
    return None
