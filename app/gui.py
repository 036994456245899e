"""Start the desktop application."""

import sys
import traceback


#: How long a thread may hold the GIL before another gets it (seconds). Python's 5 ms
#: default made the training worker wait behind the GUI's painting at every chunk
#: boundary (79% of headless throughput measured; see scripts/measure_gui.py).
GIL_SWITCH_INTERVAL = 0.0005


def configure_process():
    """Process-wide settings for running the GUI beside a training worker."""
    import compute.kernels  # noqa: F401  (numba's settings must precede any other import of numba)

    sys.setswitchinterval(GIL_SWITCH_INTERVAL)


def run(data_folder=None, preset=None, start=False, quit_after=None):
    """Open the main window and run the Qt event loop.

    Parameters
    ----------
    data_folder : path, optional
        Data to open (else the default folders).
    preset : str, optional
        Fill the settings from this preset.
    start : bool
        Start a run as soon as the data is open.
    quit_after : float, optional
        Close the window after this many seconds.
    """
    configure_process()
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QMessageBox

    from compute.training import preset as preset_settings

    from ui.main_window import MainWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("Softmax Lab")
    app.setOrganizationName("Softmax Lab")
    window = MainWindow(data_folder)

    def report(kind, error, trace):
        # An unexpected error in a slot: tell the user and keep the window alive.
        traceback.print_exception(kind, error, trace)
        QMessageBox.critical(window, "Softmax Lab", f"Unexpected error: {error}")

    sys.excepthook = report
    if preset:
        window.controls.set_settings(preset_settings(preset))
    if start:
        window.controller.dataChanged.connect(lambda _: window.start_run())
    if quit_after is not None:
        QTimer.singleShot(int(quit_after * 1000), window.close)
    window.show()
    return app.exec()
