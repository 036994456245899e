"""A place in the desktop's application menu: a freedesktop ``.desktop`` entry and the
icon, for this user only (``$XDG_DATA_HOME``, default ``~/.local/share``), and their
removal. Written atomically; nothing outside those two files is touched."""

import os
import shutil
import subprocess
from pathlib import Path

from app.resources import ICON_PNG, ICON_SVG, program
from compute.storage.files import atomic_write

APP_ID = "softmax-lab"


def data_home():
    return Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")


def paths():
    """The files install() writes: the entry and the icons."""
    home = data_home()
    return (home / "applications" / f"{APP_ID}.desktop",
            home / "icons" / "hicolor" / "scalable" / "apps" / f"{APP_ID}.svg",
            home / "icons" / "hicolor" / "256x256" / "apps" / f"{APP_ID}.png")


def command():
    """How the menu entry starts the app."""
    return [*program(), "gui"]


def entry():
    """The text of the .desktop file."""
    exec_line = " ".join(f'"{part}"' if " " in part else part for part in command())
    return "\n".join([
        "[Desktop Entry]",
        "Type=Application",
        "Name=Softmax Lab",
        "GenericName=Softmax regression trainer",
        "Comment=Train and study softmax regression on handwritten digits",
        f"Exec={exec_line}",
        f"Icon={APP_ID}",
        "Terminal=false",
        "Categories=Education;Science;ArtificialIntelligence;",
        "StartupWMClass=softmax-lab",
        "",
    ])


def install():
    """Write the entry and the icons; return their paths."""
    desktop_file, svg, png = paths()
    for target, source in ((svg, ICON_SVG), (png, ICON_PNG)):
        target.parent.mkdir(parents=True, exist_ok=True)
        with atomic_write(target) as f:
            f.write(source.read_bytes())
    desktop_file.parent.mkdir(parents=True, exist_ok=True)
    with atomic_write(desktop_file, "w") as f:
        f.write(entry())
    tool = shutil.which("update-desktop-database")
    if tool:  # refresh the menu's cache where the tool exists; the entry works without it
        subprocess.run([tool, "-q", str(desktop_file.parent)], capture_output=True, check=False)
    return [desktop_file, svg, png]


def remove():
    """Remove what :func:`install` wrote; return the paths removed."""
    removed = []
    for path in paths():
        if path.is_file():
            path.unlink()
            removed.append(path)
    return removed
