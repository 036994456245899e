"""What the studio window keeps between sessions (mixed into the window): its geometry,
the form's settings, the theme, the splitters' sizes, the tab on show and the plots' axis
switches, in the window's preference store. Every value is checked as it
is read: one of the wrong kind or out of range is passed over."""

import json

from PySide6.QtCore import QByteArray, QSize

from compute.settings import Settings, SettingsError

from . import theme


def _json(text):
    try:
        return json.loads(text)
    except (TypeError, ValueError, RecursionError):
        return None


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
        view = _json(self.store.value("view", "null"))
        if isinstance(view, dict):
            self._restore_view(view)
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

    def _restore_view(self, view):
        """Splitters, tab and axis switches as they were left, each checked."""
        splitters = view.get("splitters")
        for splitter in self.splitters:
            state = splitters.get(splitter.objectName()) if isinstance(splitters, dict) else None
            if isinstance(state, str):
                splitter.restoreState(QByteArray.fromBase64(state.encode("ascii", "replace")))
        tab = view.get("tab")
        if isinstance(tab, int) and not isinstance(tab, bool) and 0 <= tab < self.tabs.count():
            self.tabs.setCurrentIndex(tab)
        plots = self.plots
        if view.get("x_axis") in [plots.x_axis.itemText(i) for i in range(plots.x_axis.count())]:
            plots.x_axis.setCurrentText(view["x_axis"])
        for box, key in ((plots.log_loss, "log_loss"), (plots.log_x, "log_x")):
            if isinstance(view.get(key), bool):
                box.setChecked(view[key])

    def _view_state(self):
        return {"splitters": {s.objectName(): bytes(s.saveState().toBase64()).decode("ascii")
                              for s in self.splitters},
                "tab": self.tabs.currentIndex(), "x_axis": self.plots.x_axis.currentText(),
                "log_loss": self.plots.log_loss.isChecked(), "log_x": self.plots.log_x.isChecked()}

    def _keep_settings(self):
        """The form's settings, so that the form comes back as it was left."""
        self.store.setValue("settings", json.dumps(self.controls.settings().as_dict()))

    def _keep_state(self):
        """Everything kept, at the window's close."""
        self.store.setValue("geometry", bytes(self.saveGeometry().toBase64()).decode("ascii"))
        self.store.setValue("view", json.dumps(self._view_state()))
        if not self.controls.problem_text():
            self._keep_settings()
        self.store.sync()
