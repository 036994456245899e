"""The studio window's menus and its About box (mixed into the window)."""

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QMessageBox

from compute.storage import datasets

from .theme import THEMES


class Menus:
    """The File, Edit, Run, View and Help menus; each action has an object name for automation, and
    the actions whose state follows the studio's are kept as attributes
    (``start_action``, ``save_action``…)."""

    def _action(self, menu, text, slot, shortcut=None, name=None):
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcuts(shortcut if isinstance(shortcut, list) else [shortcut])
        if name:
            action.setObjectName(name)
        action.triggered.connect(slot)
        menu.addAction(action)
        return action

    def _build_menus(self):
        file_menu = self.menuBar().addMenu("&File")
        self._action(file_menu, "Open data &folder…", self.open_data_folder, QKeySequence.StandardKey.Open,
                     "openFolderAction")
        self._action(file_menu, "Open HDF5 &files…", self.open_data_files, name="openFilesAction")
        self.recent_menu = file_menu.addMenu("Open &recent")
        self._action(file_menu, f"&Download {datasets.MNIST.label()}…",
                     lambda: self.download_data("mnist"), name="downloadAction")
        self._action(file_menu, f"Download &{datasets.FASHION_MNIST.label()}…",
                     lambda: self.download_data("fashion-mnist"), name="downloadFashionAction")
        self.save_data_action = self._action(file_menu, "Save data as course &HDF5…", self.save_data_hdf5,
                                             name="saveDataAction")
        file_menu.addSeparator()
        self._action(file_menu, "&Load parameters…", self.load_parameters, QKeySequence("Ctrl+L"),
                     "loadParamsAction")
        self.save_action = self._action(file_menu, "&Save parameters of selected run…",
                                        self.save_parameters, QKeySequence.StandardKey.Save,
                                        "saveParamsAction")
        self.csv_action = self._action(file_menu, "Export curves of the runs on the plots as &CSV…", self.export_csv,
                                       name="exportCsvAction")
        self.png_action = self._action(file_menu, "Export plots as &PNG or SVG…", self.export_png,
                                       name="exportPngAction")
        self.report_action = self._action(file_menu, "Export run &report…", self.export_report,
                                          name="exportReportAction")
        self.assignment_action = self._action(file_menu, "Export &assignment report…", self.export_assignment,
                                              name="exportAssignmentAction")
        file_menu.addSeparator()
        self._action(file_menu, "&Quit", self.close, QKeySequence.StandardKey.Quit, "quitAction")
        edit_menu = self.menuBar().addMenu("&Edit")
        self.undo_action = self._action(edit_menu, "&Undo delete", self.undoRemoveRequested,
                                        QKeySequence.StandardKey.Undo, "undoDeleteAction")
        # Ctrl+Z on the Train and History pages; the Draw tab's canvas has its own.
        self.undo_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        for page in (self.pages, self.history):
            page.addAction(self.undo_action)
        run_menu = self.menuBar().addMenu("&Run")
        self.start_action = self._action(run_menu, "&Start", self.start_run,
                                         [QKeySequence("F5"), QKeySequence("Ctrl+Return")], "startAction")
        self.pause_action = self._action(run_menu, "&Pause / resume", self.pauseRequested,
                                         [QKeySequence("F6"), QKeySequence("Ctrl+P")], "pauseAction")
        self.stop_action = self._action(run_menu, "S&top", self.stopRequested,
                                        [QKeySequence("Shift+F5"), QKeySequence("Ctrl+.")], "stopAction")
        self.continue_action = self._action(
            run_menu, "&Continue training the selected run", self.continue_selected,
            name="continueAction")
        run_menu.addSeparator()
        self.course_action = self._action(run_menu, "Run the &course's experiments",
                                          self.courseExperimentsRequested, name="courseExperimentsAction")
        view_menu = self.menuBar().addMenu("&View")
        theme_menu = view_menu.addMenu("&Theme")
        theme_menu.setObjectName("themeMenu")
        self.theme_actions = QActionGroup(self)
        for theme, text in zip(THEMES, ("&System", "&Light", "&Dark")):
            action = self._action(theme_menu, text, lambda _=False, t=theme: self.choose_theme(t),
                                  name=f"theme{theme.title()}Action")
            action.setCheckable(True)
            action.setData(theme)
            self.theme_actions.addAction(action)
        help_menu = self.menuBar().addMenu("&Help")
        self._action(help_menu, "&About Softmax Lab", self.show_about, name="aboutAction")
        self._refresh_recent()

    def about_text(self):
        return (f"<h3>Softmax Lab {self.version}</h3>"
                "<p>Train and study softmax (multinomial logistic) regression on handwritten "
                "digits: live curves, runs side by side, the model's weights and mistakes, "
                "and a canvas to draw digits on.</p>"
                "<p>Parameter files are the course's HDF5 schema (<code>w</code> (K, d), "
                "<code>b</code> (K, 1)). The command line: <code>softmax-lab --help</code>.</p>")

    def show_about(self):
        box = QMessageBox(QMessageBox.Icon.NoIcon, "About Softmax Lab", self.about_text(),
                          QMessageBox.StandardButton.Ok, self)
        box.setObjectName("aboutBox")
        box.setIconPixmap(self.windowIcon().pixmap(64, 64))
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()

    def _refresh_recent(self):
        self.recent_menu.clear()
        for folder in self.places.recent():
            action = self.recent_menu.addAction(folder)
            action.triggered.connect(lambda _=False, f=folder: self.openFolderRequested.emit(f))
        self.recent_menu.setEnabled(bool(self.places.recent()))

