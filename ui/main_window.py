"""Softmax Lab's main window: it assembles the small widgets, emits what the user asks
for, and shows what it is told. It holds no training logic and knows no controller:
``app.gui`` connects the two by the view protocol (``ui/view.py``). Its menus are in
``ui/menus.py``, its file requests in ``ui/file_requests.py``, its side of a download in
``ui/download_dialog.py``, what it keeps between sessions in ``ui/window_state.py``."""

from pathlib import Path

from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtWidgets import (QGridLayout, QLabel, QMainWindow, QMessageBox, QProgressBar,
                               QPushButton, QSplitter, QStackedWidget, QTabWidget, QVBoxLayout, QWidget)
from superqt.utils import qthrottled

from compute.engine.runs import RunStatus, course_runs, sweeps_best

from . import accessibility
from .control_panel import ControlPanel
from .curve_plots import CurvePlots
from .download_dialog import DownloadRequests
from .draw_tab import DrawTab
from .empty_state import EmptyState
from .file_requests import FileRequests
from .history_view import HistoryView, offer_to_move_aside
from .insights_tab import InsightsTab
from .menus import Menus
from .places import Places
from .runs_table import RunsTable
from .step_view import StepView
from .sweep_panel import SweepDialog, SweepPlot
from .view import StudioView
from .window_state import WindowState

#: Shown while the kernels compile for longer than PREPARING_NOTICE_MS (a first start).
PREPARING_TEXT = "Preparing the kernels, first start only… (Start works already)"
PREPARING_NOTICE_MS = 400
SWEEP_PLOT_MS = 500


class MainWindow(QMainWindow, StudioView, Menus, FileRequests, DownloadRequests, WindowState):
    """The studio window: a :class:`ui.view.StudioView` (its signals are the requests).

    Parameters
    ----------
    bundled : dict, optional
        The shipped models, best first: key -> (label, loader returning (model, Inputs)),
        loaded on first use. The Draw tab offers them all; Step by step starts from
        ``"pixels"``.
    jobs : ui.view.Jobs
        Runs the tabs' work off the GUI thread (the controller's job runner).
    store : QSettings, optional
        Where settings, paths and geometry persist (tests pass a temporary one).
    """

    def __init__(self, bundled, jobs, store=None, parent=None, version=""):
        super().__init__(parent)
        self.setWindowTitle("Softmax Lab")
        self.version = version
        self.store = store if store is not None else QSettings("Softmax Lab", "Softmax Lab")
        self.places = Places(self.store)
        self.data = None
        self._preparing = False
        self.busy = False
        self.active_run = None
        self.last_message = ""
        self._dialog = None

        self.controls = ControlPanel()
        self.data_label = QLabel("no data", objectName="dataLabel")
        self.data_label.setWordWrap(True)
        self.start_button = QPushButton("Start", objectName="startButton")
        self.pause_button = QPushButton("Pause", objectName="pauseButton")
        self.stop_button = QPushButton("Stop", objectName="stopButton")
        self.sweep_button = QPushButton("Sweep…", objectName="sweepButton")
        self.sweep_button.setToolTip("Train the settings above with several values of one of them "
                                     "at once (learning rates, batch sizes…), and compare where each ends")
        buttons = QGridLayout()  # two rows: the window stays as narrow as before
        for i, button in enumerate((self.start_button, self.sweep_button, self.pause_button,
                                    self.stop_button)):
            buttons.addWidget(button, i // 2, i % 2)
        side = QWidget(objectName="sidePanel")
        side_layout = QVBoxLayout(side)
        side_layout.addWidget(QLabel("<b>Data</b>"))
        side_layout.addWidget(self.data_label)
        side_layout.addWidget(self.controls, 1)  # (its form scrolls on a short screen)
        side_layout.addLayout(buttons)
        side_layout.addStretch(0)  # what the form does not take, below the buttons
        side.setMaximumWidth(380)

        self.plots = CurvePlots()
        self.runs = RunsTable()
        self.sweep_plot = SweepPlot()
        self.sweep_plot.setVisible(False)  # until there is a sweep
        self.sweep_plot.setMinimumHeight(140)
        # Its members' news came every 20 ms, and each redraw cost 7 ms of this thread.
        self._refresh_sweep_plot = qthrottled(self.sweep_plot.refresh, timeout=SWEEP_PLOT_MS, parent=self)
        self.sweep_dialog = None
        right = QSplitter(Qt.Orientation.Vertical, objectName="plotsSplitter")
        right.addWidget(self.plots)
        right.addWidget(self.sweep_plot)
        right.addWidget(self.runs)
        right.setStretchFactor(0, 2)
        right.setStretchFactor(1, 1)
        right.setStretchFactor(2, 1)
        # At first the run list has a third of the height, and grows with the window (it
        # kept its 150 px minimum: about 4 runs on a 1920x1080 screen).
        right.setSizes([6600, 0, 3400])
        self.runs.setMinimumHeight(150)
        studio = QSplitter(Qt.Orientation.Horizontal, objectName="studioSplitter")
        self.splitters = (studio, right)  # (their sizes are kept between sessions)
        studio.addWidget(side)
        studio.addWidget(right)
        studio.setStretchFactor(1, 1)
        self.empty = EmptyState(self.open_data_folder, self.download_data)
        self.pages = QStackedWidget()
        self.pages.addWidget(self.empty)
        self.pages.addWidget(studio)
        bundled = bundled or {}
        self.draw = DrawTab(bundled, jobs)
        self.step_view = StepView(self.controls.settings, bundled.get("pixels", (None, None))[1], jobs)
        self.insights = InsightsTab(jobs)
        self.history = HistoryView()
        self.tabs = QTabWidget(objectName="mainTabs")
        self.tabs.addTab(self.pages, "Train")
        self.tabs.addTab(self.insights, "Inside the model")
        self.tabs.addTab(self.step_view, "Step by step")
        self.tabs.addTab(self.draw, "Draw a digit")
        self.tabs.addTab(self.history, "History")
        self.tabs.currentChanged.connect(self._tab_changed)
        self.setCentralWidget(self.tabs)

        self.progress = QProgressBar(objectName="statusProgress")
        self.progress.setMaximumWidth(220)
        self.progress.setFormat("%p%")
        self.progress.setVisible(False)  # shown once a run starts
        self.throughput = QLabel(objectName="statusThroughput")
        self.statusBar().addPermanentWidget(self.throughput)
        self.statusBar().addPermanentWidget(self.progress)

        # A run's news updates the buttons and menus once a turn of the event loop: a sweep
        # of 32 brings 32 runs' news at once, and each update took a third of a millisecond.
        self._buttons_later = QTimer(self, singleShot=True, interval=0)
        self._buttons_later.timeout.connect(self._update_buttons)
        self._build_menus()
        self._wire()
        accessibility.describe(self)
        self._restore()
        self._update_buttons()

    # ------------------------------------------------------------ building

    def _wire(self):
        self.start_button.clicked.connect(self.start_run)
        self.sweep_button.clicked.connect(self.open_sweep)
        self.draw.fineTuneRequested.connect(self.fineTuneRequested)
        self.draw.exportMyDigitsRequested.connect(self.exportMyDigitsRequested)
        self.pause_button.clicked.connect(self.pauseRequested)
        self.stop_button.clicked.connect(self.stopRequested)
        self.controls.settingsChanged.connect(self._update_buttons)
        self.runs.selectedRunChanged.connect(lambda _: self._update_buttons())
        self.runs.selectedRunChanged.connect(self.insights.set_run)
        self.runs.selectedRunChanged.connect(self.step_view.set_run)

    # ------------------------------------------------------------ data

    def data_loading(self, what):
        self.statusBar().showMessage(f"Loading {what}…")

    def data_loaded(self, pair):
        self.data = pair
        self.insights.set_data(pair)
        self.step_view.set_data(pair)
        source = Path(pair.train.source).resolve().parent
        self.data_label.setText(f"{source}<br>{pair.describe()}")
        self.data_label.setToolTip(f"{pair.train.source}\n{pair.test.source}")
        self.statusBar().showMessage(f"Data: {pair.describe()}", 5000)
        self.pages.setCurrentIndex(1)
        self._remember_recent(str(source))
        self.store.setValue("last_dir", str(source))
        self._update_buttons()

    def show_preparing(self, preparing):
        """Say that the kernels are being compiled, if that takes noticeably long (a first
        start), until they are ready."""
        self._preparing = preparing
        if preparing:
            QTimer.singleShot(PREPARING_NOTICE_MS, self._notice_preparing)
        elif self.statusBar().currentMessage() == PREPARING_TEXT:
            self.statusBar().showMessage("Ready", 3000)

    def _notice_preparing(self):
        if self._preparing:
            self.statusBar().showMessage(PREPARING_TEXT)

    def data_failed(self, text):
        self.statusBar().clearMessage()
        if self.data is None:
            self.empty.show_text(text)
            self.pages.setCurrentIndex(0)
        self.show_message(text)

    # ------------------------------------------------------------ runs

    def start_run(self):
        problem = self.controls.problem_text()
        if problem:
            self.show_message(problem)
            return
        self._keep_settings()
        self.startRequested.emit(self.controls.settings())

    def set_busy(self, busy):
        self.busy = busy
        self._update_buttons()

    def run_added(self, run):
        if run.active:
            self.active_run = run
            self.progress.setValue(0)
            self.progress.setVisible(True)
        self.runs.add_run(run)
        self.plots.update_run(run)
        self.draw.add_run(run)
        self.insights.set_runs(self.runs.all_runs())
        self._buttons_later.start()

    def run_changed(self, run):
        self.runs.update_run(run)
        self.plots.update_run(run)
        self.draw.update_run(run)
        self.insights.set_runs(self.runs.all_runs())
        was_active = run is self.active_run
        if was_active and not run.active:
            self.active_run = None
        self._buttons_later.start()
        if was_active:  # the status bar follows the training run (paused, or its end)
            self.throughput.setText(self._throughput_text(run))
            if run.status.ended:
                self.progress.setVisible(False)  # a stopped run's 11% would stay there, stale
                self._show_final_status(run)

    def continue_selected(self):
        """Train on from the selected run (finished, stopped or loaded) with the form's settings."""
        run = self.runs.selected_run()
        if run is None or run.active or run.model is None:
            self.show_message("Select a finished, stopped or loaded run in the run list first.")
            return
        self.continueRequested.emit(run, self.controls.settings())

    def fine_tuned(self, run, mine_before, mine_after, test_before, test_after):
        """A fine-tune on My digits ended: the Draw tab shows what it did."""
        self.draw.show_fine_tune(run, mine_before, mine_after, test_before, test_after)

    def open_sweep(self):
        """The sweep form, for the settings in the form now; starting it asks the controller."""
        if self.sweep_dialog is not None:
            self.sweep_dialog.raise_()
            return
        self.sweep_dialog = SweepDialog(self.controls.settings(), self)
        self.sweep_dialog.sweepRequested.connect(self.sweepRequested)
        self.sweep_dialog.finished.connect(self._sweep_dialog_closed)
        self.sweep_dialog.open()

    def _sweep_dialog_closed(self):
        self.sweep_dialog.deleteLater()
        self.sweep_dialog = None

    def sweep_added(self, group):
        """A sweep began: its plot shows, with room of its own, and follows it."""
        self.sweep_plot.enter(group, self.splitters[1], held=self.plots.loss_plot)

    def sweep_changed(self, group):
        self.runs.update_sweep(group)
        self.plots.update_band(group)
        if not group.active:  # the end: the best in the status bar, as a run's result is
            self.sweep_plot.entered()
            best = sweeps_best(group)
            self.statusBar().showMessage(
                f"{group.name} ended: best {best.name}, test loss {best.last.test_loss:.4f}, "
                f"test accuracy {best.last.test_accuracy:.4f}" if best else f"{group.name} ended")
        if self.sweep_plot.group is group and group.active:
            self._refresh_sweep_plot()  # (twice a second)
        elif self.sweep_plot.group is group:
            self.sweep_plot.refresh()  # its end, at once

    def run_removed(self, run):
        self.runs.remove_run(run)
        self.plots.remove_run(run)
        self.draw.remove_run(run)
        self.insights.set_runs(self.runs.all_runs())
        self._update_buttons()

    def points_added(self, run):
        self.plots.update_run(run)
        self.draw.run_learned(run)

    def show_progress(self, run):
        self.runs.update_run(run)
        if run.total_samples:
            self.progress.setValue(int(1000 * run.samples_seen / run.total_samples))
            self.progress.setMaximum(1000)
        self.throughput.setText(self._throughput_text(run))

    @staticmethod
    def _throughput_text(run):
        """Epoch and speed, and the time left only while the run trains."""
        rate = run.samples_per_second
        epoch = run.latest.epoch if run.latest is not None else 0.0
        text = f"epoch {epoch:.2f} · {rate:,.0f} samples/s"
        if run.status == RunStatus.RUNNING and rate:
            text += f" · ETA {(run.total_samples - run.samples_seen) / rate:.1f} s"
        elif run.status == RunStatus.PAUSED:
            text += " · paused"
        return text

    def _show_final_status(self, run):
        last = run.last
        summary = f" — test accuracy {last.test_accuracy:.4f}" if last else ""
        self.statusBar().showMessage(f"{run.name} {run.status}{summary}", 10000)

    def _update_buttons(self):
        busy = self.busy
        have_data = self.data is not None
        problem = self.controls.problem_text()
        can_start = have_data and not busy and not problem
        self.start_button.setEnabled(can_start)
        self.sweep_button.setEnabled(can_start)
        self.start_action.setEnabled(can_start)
        selected = self.runs.selected_run()
        self.continue_action.setEnabled(can_start and selected is not None and not selected.active)
        self.start_button.setToolTip(problem or ("" if have_data else "Open a data set first"))
        self.pause_button.setEnabled(busy)
        self.stop_button.setEnabled(busy)
        self.pause_action.setEnabled(busy)
        self.stop_action.setEnabled(busy)
        active = self.active_run
        paused = active is not None and active.status == RunStatus.PAUSED
        self.pause_button.setText("Resume" if paused else "Pause")
        selected = self.runs.selected_run()
        self.save_action.setEnabled(selected is not None)
        # What has nothing to export is greyed out, not refused after a click.
        self.csv_action.setEnabled(any(run.visible and run.points for run in self.runs.all_runs()))
        self.report_action.setEnabled(bool(selected and selected.points and have_data))
        self.png_action.setEnabled(bool(self.runs.all_runs()))
        self.save_data_action.setEnabled(have_data)
        self.assignment_action.setEnabled(have_data and course_runs(self.runs.all_runs()) is not None)

    # ------------------------------------------------------------ messages, settings

    def _tab_changed(self, index):
        if self.tabs.widget(index) is self.history:  # what it shows is read when it is looked at
            self.history.refreshRequested.emit(self.history.trashed)

    def show_status(self, text):
        """A passing note in the status bar (no box)."""
        self.statusBar().showMessage(text, 10000)

    def history_failed(self, problem):
        """The run history cannot be used: say so, and offer to move the file aside (it is
        never deleted) so that a new history starts."""
        self.history.show_problem(problem)
        if "cannot be written" in problem:  # read-only: nothing to move
            self.show_message(problem)
        else:
            offer_to_move_aside(self, problem, lambda: (self.history.show_problem(""),
                                                        self.moveHistoryAsideRequested.emit()))

    def file_written(self, path):
        self.statusBar().showMessage(f"Saved {path}", 5000)

    def show_message(self, text, icon=QMessageBox.Icon.Warning):
        """Tell the user, without blocking the event loop (a window-modal box)."""
        self.last_message = text
        self.statusBar().showMessage(text, 10000)
        if self._dialog is None:  # one box, reused: a new one per message piled up hidden
            self._dialog = QMessageBox(icon, "Softmax Lab", "", QMessageBox.StandardButton.Ok, self)
            self._dialog.setObjectName("messageBox")
        self._dialog.setIcon(icon)
        self._dialog.setText(text)
        self._dialog.open()

    def show_notice(self, text):
        """Good news, as :meth:`show_message` tells it, with an information sign."""
        self.show_message(text, QMessageBox.Icon.Information)

    def closeEvent(self, event):
        self.closing.emit()
        self._keep_state()
        if self._dialog is not None:
            self._dialog.close()
        self._close_download_dialog()
        super().closeEvent(event)
