"""The controller's data concern: opening a data set (a folder, two files, the default
folders), downloading one, and keeping it; kernels are compiled ahead once it is open."""

import threading
from pathlib import Path

from compute.storage import data as data_files
from compute.storage import datasets, download
from compute.storage.sources import TEST_HDF5, TRAIN_HDF5
from .jobs import run_in_background

from .workers import describe, prepare_kernels


class DataConcern:
    """Mixed into :class:`app.controller.RunController`: its ``data`` and the signals
    ``dataLoading``, ``dataChanged``, ``dataFailed``, ``preparing`` and ``download*``."""

    def load_data(self, folder=None, train=None, test=None):
        """Load data in a worker thread; ``dataChanged`` or ``dataFailed`` follows."""
        if self.busy:
            self.message.emit("Stop the current run before opening other data.")
            return
        label = str(folder or train or "the default data folder")
        self.dataLoading.emit(label)
        self._loader = run_in_background(
            data_files.load, folder, train, test, on_result=self._data_loaded,
            on_error=lambda error: self.dataFailed.emit(describe(error)),
            on_finished=lambda: setattr(self, "_loader", None))

    def load_default_data(self):
        """Load the first default data folder that holds data; False when there is none."""
        folder = data_files.find_default_folder()
        if folder is None:
            return False
        self.load_data(folder)
        return True

    def load_files(self, train, test):
        """Load a training file and a test file (course HDF5) in a worker thread."""
        self.load_data(train=train, test=test)

    def download_dataset(self, dataset):
        """Download a data set by name to the user data folder, then load it."""
        self.download_data(dataset=dataset)

    def download_data(self, folder=None, mirror=None, dataset="mnist"):
        """Download a data set (``"mnist"``, ``"fashion-mnist"``) in a worker thread, then
        load it."""
        if self._download_cancel is not None:
            return
        cancel = threading.Event()
        self._download_cancel = cancel
        # The download reports from its thread: the tick is queued to this one and
        # throttled there (the last report of a burst always arrives).
        run_in_background(download.download, folder, mirror, self._downloadTick.emit, cancel.is_set,
                          download.TIMEOUT_SECONDS, datasets.SOURCES[dataset],
                          on_result=self._downloaded,
                          on_error=lambda error: self.downloadFailed.emit(describe(error)),
                          on_finished=lambda: setattr(self, "_download_cancel", None))

    def cancel_download(self):
        if self._download_cancel is not None:
            self._download_cancel.set()

    def _downloaded(self, result):
        folder, _ = result
        self.downloadFinished.emit(str(folder))
        self.load_data(folder)

    def _data_loaded(self, pair):
        self.data = pair
        self.dataChanged.emit(pair)
        self.preparing.emit(True)
        run_in_background(prepare_kernels, pair, on_error=self._tell,
                          on_finished=lambda: self.preparing.emit(False))

    def save_data(self, folder):
        """Write the open data set as the course's HDF5 files, in a worker thread."""
        if self.data is None:
            self.message.emit("Open a data set first.")
            return
        self._write(data_files.save_pair, self.data, folder, written=folder,
                    outputs=[Path(folder) / TRAIN_HDF5, Path(folder) / TEST_HDF5])
