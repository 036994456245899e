"""What the studio window keeps between sessions (mixed into the window): its geometry,
the form's settings and the theme, in the window's preference store. Every value is checked as it
is read: one of the wrong kind or out of range is passed over."""

import json

from PySide6.QtCore import QByteArray, QSize

from compute.settings import Settings, SettingsError

from . import theme


class WindowState:
    """Mixed into :class:`ui.main_window.MainWindow`: it reads ``store`` and ``controls``."""

    def choose_theme(self, choice):
        """Give the application the look ``choice`` (:data:`ui.theme.THEMES`), and keep it."""
        theme.apply(choice)
        for action in self.theme_actions.actions():
            action.setChecked(action.data() == choice)
        self.store.setValue("theme", choice)

    def _restore(self):
        """Geometry, the form's settings and the theme from the preferences."""
        chosen = self.store.value("theme", "system")
        self.choose_theme(chosen if chosen in theme.THEMES else "system")
        geometry = self.store.value("geometry")
        if isinstance(geometry, str):  # base64, as it is saved
            geometry = QByteArray.fromBase64(geometry.encode("ascii", "replace"))
        if not isinstance(geometry, QByteArray) or not self.restoreGeometry(geometry):
            self.resize(self._first_size())
        try:
            saved = json.loads(self.store.value("settings", "null"))
            if isinstance(saved, dict):
                self.controls.set_settings(Settings.from_dict(saved).validated())
        except (TypeError, ValueError, OverflowError, RecursionError, SettingsError):
            pass

    def _first_size(self):
        """1280x800 on a first start, or the screen's free area where that is smaller (a
        1024x700 screen got a window wider than itself)."""
        screen = self.screen().availableGeometry() if self.screen() is not None else None
        if screen is None or screen.isEmpty():
            return QSize(1280, 800)
        return QSize(min(1280, screen.width()), min(800, screen.height()))

    def _keep_settings(self):
        """The form's settings, so that the form comes back as it was left."""
        self.store.setValue("settings", json.dumps(self.controls.settings().as_dict()))

    def _keep_state(self):
        """Everything kept, at the window's close."""
        self.store.setValue("geometry", bytes(self.saveGeometry().toBase64()).decode("ascii"))
        if not self.controls.problem_text():
            self._keep_settings()
        self.store.sync()
