"""What the window shows until a data set is open: how to get one."""

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from compute.storage import datasets
from compute.storage.sources import default_folders


class EmptyState(QWidget):
    """What the window shows until a data set is open: how to get one."""

    def __init__(self, open_folder, download, parent=None):
        super().__init__(parent)
        self.text = QLabel(objectName="emptyStateText")
        self.text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.text.setWordWrap(True)
        self.download_button = QPushButton(f"Download {datasets.MNIST.label()}",
                                           objectName="emptyDownloadButton")
        self.download_button.clicked.connect(lambda: download("mnist"))
        self.fashion_button = QPushButton(f"Download {datasets.FASHION_MNIST.label()}",
                                          objectName="emptyDownloadFashionButton")
        self.fashion_button.clicked.connect(lambda: download("fashion-mnist"))
        self.button = QPushButton("Open data folder…", objectName="emptyOpenButton")
        self.button.clicked.connect(open_folder)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.download_button)
        buttons.addWidget(self.fashion_button)
        buttons.addWidget(self.button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        layout.addWidget(self.text)
        layout.addLayout(buttons)
        layout.addStretch(1)
        self.show_text()

    def show_text(self, problem=""):
        where = " or ".join(str(f) for f in default_folders())
        self.text.setText(
            (f"<p style='color:#b00020'>{problem}</p>" if problem else "")
            + "<h2>No data yet</h2><p>Download MNIST's digits or Fashion-MNIST's clothes "
            "(verified, kept for next time), or open "
            "a folder holding it as <code>mnist_traindata.hdf5</code> + "
            "<code>mnist_testdata.hdf5</code> or the four IDX files,<br>or set "
            "<code>SOFTMAX_LAB_DATA</code> to such a folder and restart.</p>"
            f"<p>Looked in: {where}</p>")
