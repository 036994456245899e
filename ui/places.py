"""Where the window's file dialogs start (the folder last used in any of them) and the
recent data folders, kept in the window's preferences."""

import json
from pathlib import Path

from PySide6.QtWidgets import QFileDialog

#: How many recent data folders File > Recent keeps.
MAX_RECENT = 8


class Places:
    """The folders the user has been to, in ``store`` (``value``/``setValue``)."""

    def __init__(self, store):
        self.store = store

    def last_dir(self):
        folder = self.store.value("last_dir")
        return folder if isinstance(folder, str) and Path(folder).is_dir() else str(Path.home())

    def remember(self, path, is_folder=False):
        if path:
            self.store.setValue("last_dir", str(Path(path) if is_folder else Path(path).parent))
        return path

    def ask_open_file(self, parent, title, filters):
        return self.remember(QFileDialog.getOpenFileName(parent, title, self.last_dir(), filters)[0])

    def ask_save_file(self, parent, title, name, filters):
        start = str(Path(self.last_dir()) / name)
        return self.remember(QFileDialog.getSaveFileName(parent, title, start, filters)[0])

    def ask_folder(self, parent, title):
        return self.remember(QFileDialog.getExistingDirectory(parent, title, self.last_dir()), is_folder=True)

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
