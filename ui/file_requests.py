"""What the studio window asks for files (mixed into the window): it asks the user where,
and emits the request; the controller reads or writes.

Every file dialog starts in the folder last used in any of them (``ui/places.py``).
"""

from pathlib import Path

from PySide6.QtWidgets import QInputDialog

from compute.storage import data as data_files
from compute.storage.files import file_stem
from compute.engine.runs import course_runs

from .report_images import comparison_png, curves_png

HDF5_FILTER = "HDF5 (*.hdf5 *.h5);;All files (*)"


class FileRequests:
    """Open data, load and save parameters, export curves, pictures and reports."""

    def open_data_folder(self):
        folder = self._ask_folder("Open data folder")
        if folder:
            self.openFolderRequested.emit(folder)

    def open_data_files(self):
        train = self._ask_open_file("Training file (course HDF5)", HDF5_FILTER)
        if not train:
            return
        test = self._ask_open_file("Test file (course HDF5)", HDF5_FILTER)
        if test:
            self.openFilesRequested.emit(train, test)

    def save_data_hdf5(self):
        folder = self._ask_folder("Save data as course HDF5 files", "save")
        if folder:
            self.statusBar().showMessage(f"Saving the data in {folder}…")
            self.saveDataRequested.emit(folder)

    def load_parameters(self):
        path = self._ask_open_file("Load parameters", HDF5_FILTER)
        if path:
            self.loadParamsRequested.emit(path)

    def save_parameters(self):
        run = self.runs.selected_run()
        if run is None:
            self.show_message("Select a run in the run list first.")
            return
        path = self._ask_save_file("Save parameters", f"{file_stem(run.name)}.hdf5", "HDF5 (*.hdf5)")
        if path:
            self.saveParamsRequested.emit(run, path)

    def export_csv(self):
        """Every run on the plots (ticked, with points), one row per point, named in the
        first column (it wrote only the selected run)."""
        runs = [run for run in self.runs.all_runs() if run.visible and run.points]
        if not runs:
            self.show_message("Tick a run with points in the run list first: the CSV has the runs "
                              "on the plots.")
            return
        stem = file_stem(runs[0].name) if len(runs) == 1 else "curves"
        path = self._ask_save_file("Export curves", f"{stem}.csv", "CSV (*.csv)")
        if path:
            self.exportCsvRequested.emit(runs, path)

    def export_png(self):
        """Save both plots with their legends as a PNG, at the size on screen or 2x or 3x
        (drawn again at that size: sharp lines and text for slides and print), or as SVG."""
        path = self._ask_save_file("Export plots", "curves.png", "PNG (*.png);;SVG (*.svg)")
        if not path:
            return
        if path.lower().endswith(".svg"):
            self.exportPngRequested.emit(self.plots.svg(), path)
            return
        width = max(self.plots.loss_plot.width(), self.plots.accuracy_plot.width())
        height = self.plots.loss_plot.height() + self.plots.accuracy_plot.height()
        sizes = {f"{width * k} × {height * k} px{note}": k
                 for k, note in ((1, " (as on screen)"), (2, " (2×, for slides)"), (3, " (3×, for print)"))}
        choice, ok = QInputDialog.getItem(self, "Export plots", "Picture size:", list(sizes), 0, False)
        if ok:
            self.exportPngRequested.emit(self.plots.picture(sizes[choice]), path)

    def export_report(self):
        """Write the selected run's report folder (curves, weights, confusion, files)."""
        run = self.runs.selected_run()
        if run is None or not run.points or self.data is None:
            self.show_message("Select a run with points in the run list first.")
            return
        parent = self._ask_folder("Folder for the report", "save")
        if not parent:
            return
        folder = Path(parent) / f"{file_stem(run.name)}-report"
        picture = curves_png(run.points, run.name, run.color)
        self.exportReportRequested.emit(run, str(folder), picture)

    def export_assignment(self):
        """Write the course assignment's report from the runs of its four experiments."""
        runs = course_runs(self.runs.all_runs())
        if runs is None or self.data is None:
            self.show_message("Train the course's experiments first (Run > Run the course's experiments).")
            return
        parent = self._ask_folder("Folder for the assignment report", "save")
        if not parent:
            return
        picture = comparison_png([(name, run.color, run.points) for name, run in runs],
                                 size=(1000, 760), log_x=True)
        self.exportAssignmentRequested.emit(runs, str(Path(parent) / "assignment-report"), picture)

    def _ask_open_file(self, title, filters):
        return self.places.ask_open_file(self, title, filters)

    def _ask_save_file(self, title, name, filters):
        return self.places.ask_save_file(self, title, name, filters)

    def _ask_folder(self, title, kind="open"):
        return self.places.ask_folder(self, title, kind)

    def last_data_folder(self):
        """The data folder opened last (in an earlier session too), if it still holds data."""
        return next((folder for folder in self.places.recent() if data_files.holds_data(folder)), None)

    def _remember_recent(self, folder):
        self.places.remember_recent(folder)
        self._refresh_recent()

