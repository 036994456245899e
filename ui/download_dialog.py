"""The progress of a download, with its speed, the time left and a Cancel button."""

import time

from PySide6.QtWidgets import QProgressDialog


class DownloadDialog(QProgressDialog):
    """Shows a download's :class:`compute.download.Progress`; ``canceled`` asks to stop."""

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
