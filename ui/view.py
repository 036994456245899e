"""The studio's view protocol: what a view asks the controller for and what it is told.

``app.gui.wire`` connects any :class:`StudioView` to a controller from the two tables
below, the window (:class:`ui.main_window.MainWindow`) is one, and the tests' stand-in
is another. Adding a feature is a signal or a method here, its body in the window, and
one row in a table.

Requests name a view signal (``"runs.renamed"`` is the run list's) and the controller
method it calls; news name a controller signal and the view method it calls.
"""

from typing import Protocol

from PySide6.QtCore import Signal

#: view signal -> controller method
REQUESTS = {
    "startRequested": "start",
    "pauseRequested": "toggle_pause",
    "stopRequested": "stop",
    "openFolderRequested": "load_data",
    "openFilesRequested": "load_files",
    "downloadRequested": "download_dataset",
    "downloadCancelRequested": "cancel_download",
    "saveDataRequested": "save_data",
    "loadParamsRequested": "load_params",
    "saveParamsRequested": "save_params",
    "exportCsvRequested": "export_csv",
    "exportPngRequested": "export_bytes",
    "exportReportRequested": "write_report",
    "courseExperimentsRequested": "run_course_experiments",
    "sweepRequested": "start_sweep",
    "continueRequested": "continue_run",
    "fineTuneRequested": "fine_tune",
    "exportMyDigitsRequested": "export_my_digits",
    "exportAssignmentRequested": "write_assignment",
    "closing": "shutdown",
    "runs.renamed": "rename",
    "runs.deleteRequested": "remove",
    "runs.visibilityToggled": "set_visible",
    "draw.teachRequested": "add_my_digit",
    "draw.importMyDigitsRequested": "import_my_digits",
    "draw.clearMyDigitsRequested": "clear_my_digits",
    "undoRemoveRequested": "undo_remove",
    "moveHistoryAsideRequested": "move_history_aside",
    "history.openRequested": "open_runs",
    "history.closeRequested": "close_runs",
    "history.renameRequested": "rename_in_history",
    "history.notesChanged": "set_notes",
    "history.trashRequested": "trash_in_history",
    "history.restoreRequested": "restore_in_history",
    "history.emptyTrashRequested": "empty_trash",
    "history.refreshRequested": "refresh_history",
}

#: controller signal -> view method
NEWS = {
    "dataLoading": "data_loading",
    "dataChanged": "data_loaded",
    "dataFailed": "data_failed",
    "preparing": "show_preparing",
    "downloadProgress": "download_progress",
    "downloadFinished": "download_done",
    "downloadFailed": "download_failed",
    "runAdded": "run_added",
    "runChanged": "run_changed",
    "runRemoved": "run_removed",
    "pointsAdded": "points_added",
    "progress": "show_progress",
    "busyChanged": "set_busy",
    "sweepAdded": "sweep_added",
    "sweepChanged": "sweep_changed",
    "fineTuned": "fine_tuned",
    "fileWritten": "file_written",
    "message": "show_message",
    "notice": "show_notice",
    "myDigitsChanged": "draw.show_my_digits",
    "myDigitsFailed": "draw.say",
    "statusMessage": "show_status",
    "historyChanged": "history.show_records",
}


def member(view, path):
    """``view``'s signal or method at ``path`` (``"runs.renamed"``: its run list's)."""
    for name in path.split("."):
        view = getattr(view, name)
    return view


class Jobs(Protocol):
    """How a view's parts run work off the GUI thread: the controller's job runner
    (``app.controller.jobs.run_in_background``), handed to them, so that all background
    work starts one way and reports its errors one way.

    Called as ``jobs(function, *args, on_error=..., on_result=..., on_finished=...)``.
    """

    def __call__(self, function, *args, on_error, on_result=None, on_finished=None, **kwargs): ...


class StudioView:
    """What the controller's owner connects: the requests a view emits (the signals
    below) and the news it shows (a method for each value of :data:`NEWS`).

    Signals (what the user asked for)
    ---------------------------------
    startRequested(Settings), pauseRequested(), stopRequested()
    openFolderRequested(str), openFilesRequested(str, str)
    downloadRequested(str), downloadCancelRequested()
        Fetch a data set ("mnist", "fashion-mnist"), or stop fetching it.
    sweepRequested(object, str, list)
        Train a sweep: the base settings, the setting to vary, its values.
    continueRequested(Run, Settings)
        Train on from a run's parameters with the settings in the form, as a new run.
    fineTuneRequested(Model, str, Inputs)
        Fine-tune a model (named, reading these inputs of an image) on My digits mixed
        with the training set.
    exportMyDigitsRequested(MyDigits, int, str)
        Write My digits (with the number of classes) to a file.
    saveDataRequested(str)
        A folder for the course HDF5 files of the open data.
    loadParamsRequested(str), saveParamsRequested(Run, str)
    exportCsvRequested(list, str), exportPngRequested(bytes, str)
        The runs on the plots as one CSV, a picture of the plots.
    exportReportRequested(Run, str, bytes)
        A run, its report folder, and the curves picture.
    courseExperimentsRequested()
        Train the course's four experiments, one after the other.
    exportAssignmentRequested(list, str, bytes)
        The course's experiments as (name, Run) pairs, the report folder, and their curves.
    closing()
        The window is closing: stop and wait for background work now.
    undoRemoveRequested()
        Bring back the run deleted last (from the history's trash).
    moveHistoryAsideRequested()
        Rename a run history that cannot be used, and start a new one.

    A view also has ``history`` (the History tab: its requests by history id) and ``runs`` (the run list: ``renamed``, ``deleteRequested``,
    ``visibilityToggled``) and ``draw`` (the Draw tab: ``teachRequested``,
    ``importMyDigitsRequested``, ``clearMyDigitsRequested``; ``show_my_digits``, ``say``).
    """

    startRequested = Signal(object)
    pauseRequested = Signal()
    stopRequested = Signal()
    openFolderRequested = Signal(str)
    openFilesRequested = Signal(str, str)
    downloadRequested = Signal(str)
    downloadCancelRequested = Signal()
    sweepRequested = Signal(object, str, list)
    continueRequested = Signal(object, object)
    fineTuneRequested = Signal(object, str, object)
    exportMyDigitsRequested = Signal(object, int, str)
    saveDataRequested = Signal(str)
    loadParamsRequested = Signal(str)
    saveParamsRequested = Signal(object, str)
    exportCsvRequested = Signal(list, str)
    exportPngRequested = Signal(bytes, str)
    exportReportRequested = Signal(object, str, bytes)
    courseExperimentsRequested = Signal()
    exportAssignmentRequested = Signal(list, str, bytes)
    closing = Signal()
    undoRemoveRequested = Signal()
    moveHistoryAsideRequested = Signal()

