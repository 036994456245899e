"""Where the window's file dialogs start and the recent data folders, kept in the
window's preferences. What is opened and what is written start apart: an open dialog in
the folder last opened from (the data's, once data is open), a save dialog in the folder
last written to, at first the user's documents (exports once went into the data folder)."""

import json
from pathlib import Path

from PySide6.QtCore import QStandardPaths
from PySide6.QtWidgets import QFileDialog

#: The preference keys of the folders last opened from and last written to.
KEYS = {"open": "last_dir", "save": "last_save_dir"}


def _documents():
    folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    return folder if folder and Path(folder).is_dir() else str(Path.home())

#: How many recent data folders File > Recent keeps.
MAX_RECENT = 8


class Places:
    """The folders the user has been to, in ``store`` (``value``/``setValue``)."""

    def __init__(self, store):
        self.store = store

    def last_dir(self, kind="open"):
        folder = self.store.value(KEYS[kind])
        if isinstance(folder, str) and Path(folder).is_dir():
            return folder
        return _documents() if kind == "save" else str(Path.home())

    def remember(self, path, is_folder=False, kind="open"):
        if path:
            self.store.setValue(KEYS[kind], str(Path(path) if is_folder else Path(path).parent))
        return path

    def ask_open_file(self, parent, title, filters):
        return self.remember(QFileDialog.getOpenFileName(parent, title, self.last_dir(), filters)[0])

    def ask_save_file(self, parent, title, name, filters):
        start = str(Path(self.last_dir("save")) / name)
        return self.remember(QFileDialog.getSaveFileName(parent, title, start, filters)[0], kind="save")

    def ask_folder(self, parent, title, kind="open"):
        """A folder to open from, or (``kind`` "save") to write into."""
        folder = QFileDialog.getExistingDirectory(parent, title, self.last_dir(kind))
        return self.remember(folder, is_folder=True, kind=kind)

    def recent(self):
        """The recent data folders: whatever else the preferences hold there is passed over."""
        try:
            recent = json.loads(self.store.value("recent", "[]"))
        except (TypeError, ValueError, RecursionError):
            return []
        return [f for f in recent if isinstance(f, str)][:MAX_RECENT] if isinstance(recent, list) else []

    def remember_recent(self, folder):
        recent = [f for f in self.recent() if f != folder]
        self.store.setValue("recent", json.dumps([folder, *recent][:MAX_RECENT]))
