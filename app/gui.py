"""Start the desktop application: build the controller and the window, and connect them.

The window (``ui/``) knows no controller and the controller knows no widget: this module
is the only place where the two meet (``wire``).
"""

import sys
import traceback
from functools import partial

#: How long a thread may hold the GIL before another gets it (seconds). Python's 5 ms
#: default made the training worker wait behind the GUI's painting at every chunk
#: boundary (79% of headless throughput measured; see scripts/measure_gui.py).
GIL_SWITCH_INTERVAL = 0.0005


def configure_process():
    """Process-wide settings for running the GUI beside a training worker (numba's own
    are set by the kernels, which are the only importers of numba)."""
    sys.setswitchinterval(GIL_SWITCH_INTERVAL)


#: The models shipped with the application, best first (the Draw tab's choices; Step by
#: step starts from the pixel model, whose weights are pictures). A test checks each
#: label's accuracy against its file's.
BUNDLED_LABELS = {"best": "Bundled best: 99.1%, deskewed gradient features",
                  "pixels": "Bundled pixels: 92.6%, the course's model"}


def read_bundled(key):
    """A shipped model and what it reads of an image: (model, Inputs)."""
    from app.resources import BUNDLED_BEST, BUNDLED_PIXELS
    from compute.engine.inputs import Inputs
    from compute.storage import params

    model, attributes = params.load({"best": BUNDLED_BEST, "pixels": BUNDLED_PIXELS}[key])
    return model, Inputs.recorded(attributes)


def bundled_models():
    """The shipped models as the window takes them: key -> (label, loader of (model, Inputs))."""
    return {key: (label, partial(read_bundled, key)) for key, label in BUNDLED_LABELS.items()}


def wire(controller, view):
    """Connect ``view``'s requests to ``controller`` and its news to ``view``, by the view
    protocol's tables (:mod:`ui.view`)."""
    from ui.view import NEWS, REQUESTS, member

    for request, action in REQUESTS.items():
        member(view, request).connect(getattr(controller, action))
    for news, show in NEWS.items():
        getattr(controller, news).connect(member(view, show))


def build_window(data_folder=None, store=None, history=None):
    """The studio window with its run controller wired, loading data.

    Parameters
    ----------
    data_folder : path, optional
        Data to open; otherwise the folder opened last (if it still holds data), then the
        default folders (``$SOFTMAX_LAB_DATA``, then the user data folder); the window
        says how to get data if none holds any.
    store : app.preferences.Preferences or QSettings, optional
        Where the window's preferences persist (default: the user's
        ``settings.json``; tests pass one of their own).
    history : path or False, optional
        The run history's folder (default: ``$SOFTMAX_LAB_HISTORY``, else the user
        data folder's); False records nothing. The runs the run list held at the last
        close come back.

    Returns
    -------
    ui.main_window.MainWindow
        With ``window.controller``, the :class:`app.controller.RunController` it is wired
        to (for automation and tests; the window itself never uses it).
    """
    configure_process()
    from PySide6.QtWidgets import QApplication

    from app.controller import RunController
    from app.controller.jobs import run_in_background
    from ui.main_window import MainWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    from PySide6.QtGui import QIcon

    from app.resources import ICON_PNG, ICON_SVG, version

    icon = QIcon(str(ICON_SVG))
    icon.addFile(str(ICON_PNG))
    app.setWindowIcon(icon)
    app.setDesktopFileName("softmax-lab")  # matches the entry of `softmax-lab install-desktop`
    if store is None:
        from app.preferences import Preferences

        store = Preferences()
    window = MainWindow(bundled_models(), run_in_background, store=store, version=version())
    controller = RunController(window, history=history)  # a child: it lives as long as the window
    wire(controller, window)
    window.controller = controller
    controller.load_my_digits()
    if controller.history_problem:
        window.history_failed(controller.history_problem)
    controller.restore_session()
    data_folder = data_folder if data_folder is not None else window.last_data_folder()
    if data_folder is not None:
        controller.load_data(data_folder)
    else:
        controller.load_default_data()
    return window


def run(data_folder=None, preset=None, start=False, quit_after=None, history=None, qt_arguments=()):
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
    history : path or False, optional
        The run history's folder (False: record nothing).
    qt_arguments : list of str
        Qt's own command-line arguments (``-style fusion``, ``-platform offscreen``…);
        one that Qt does not take either is refused, with exit status 2.
    """
    from app import preflight

    problem = preflight.problem(arguments=qt_arguments)
    if problem:
        print(f"softmax-lab: {problem}", file=sys.stderr)
        return 1
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QMessageBox

    from compute.settings import preset as preset_settings

    app = QApplication.instance() or QApplication([sys.argv[0], *qt_arguments])
    unknown = [argument for argument in app.arguments()[1:] if argument in qt_arguments]
    if unknown:
        print(f"softmax-lab: error: unrecognized arguments (neither Softmax Lab's nor Qt's): "
              f"{' '.join(unknown)}", file=sys.stderr)
        return 2
    app.setApplicationName("Softmax Lab")
    app.setOrganizationName("Softmax Lab")
    window = build_window(data_folder, history=history)

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
