"""The progress of a download, with its speed, the time left and a Cancel button; and the
window's side of a download (mixed into the window)."""

import time

from PySide6.QtWidgets import QProgressDialog

from compute.storage import datasets


class DownloadDialog(QProgressDialog):
    """Shows a download's :class:`compute.storage.download.Progress`; ``canceled`` asks to stop."""

    def __init__(self, title, parent=None):
        super().__init__(f"Downloading {title}…", "Cancel", 0, 1000, parent)
        self.title = title
        self.setObjectName("downloadDialog")
        self.setWindowTitle(f"Download {title}")
        self.setMinimumDuration(0)
        self.setAutoClose(False)
        self.setAutoReset(False)
        self._started = time.perf_counter()

    def show_progress(self, progress):
        elapsed = time.perf_counter() - self._started
        rate = progress.done / elapsed if elapsed > 0 else 0
        left = (progress.total - progress.done) / rate if rate > 0 else 0
        self.setValue(int(1000 * progress.done / progress.total))
        self.setLabelText(f"{progress.file}: {progress.done / 1e6:.1f} of {progress.total / 1e6:.1f} MB, "
                          f"{rate / 1e6:.1f} MB/s, {left:.0f} s left")


class DownloadRequests:
    """Ask for a data set, show its download's progress, and close the dialog at its end
    (the window's ``downloadRequested``, ``downloadCancelRequested`` and news)."""

    download_dialog = None

    def download_data(self, dataset="mnist"):
        """Fetch a data set (``"mnist"``, ``"fashion-mnist"``) with a progress dialog that
        can cancel it."""
        if self.download_dialog is not None:
            return
        self.download_dialog = DownloadDialog(datasets.SOURCES[dataset].title, self)
        self.download_dialog.canceled.connect(self.downloadCancelRequested)
        self.download_dialog.show()
        self.downloadRequested.emit(dataset)

    def download_progress(self, progress):
        if self.download_dialog is not None:
            self.download_dialog.show_progress(progress)

    def download_done(self, folder):
        title = self.download_dialog.title if self.download_dialog is not None else "The data"
        self._close_download_dialog()
        self.statusBar().showMessage(f"{title} downloaded and verified in {folder}", 10000)

    def download_failed(self, text):
        self._close_download_dialog()
        self.show_message(text)

    def _close_download_dialog(self):
        if self.download_dialog is not None:
            self.download_dialog.canceled.disconnect()  # closing emits "canceled" too
            self.download_dialog.close()
            self.download_dialog = None

