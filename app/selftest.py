"""``softmax-lab self-test``: check an installation the way a user first meets it.

It opens the studio (offscreen unless ``--show``), with the settings of a throw-away
file so that the user's own are never read or written, draws a seven on the canvas with
real mouse events and waits for the prediction that the bundled weights give; when a
data folder is found, it trains the ``best`` preset from the form's Start button; then it
closes. One line per check, exit status 0 when
all pass and 1 otherwise. The install smokes in ``tests/test_install.py`` run it in each
kind of install (a wheel, a ``--user`` install, the bundle), where no test code exists.
"""

import os
import re
import sys
import tempfile

#: A seven as one polyline, in fractions of the canvas side.
SEVEN = [(0.25, 0.2), (0.75, 0.2), (0.45, 0.85)]


def mouse(widget, kind, x, y):
    """Deliver a mouse event with the left button held (QTest's move drops buttons)."""
    from PySide6.QtCore import QEvent, QPointF, Qt
    from PySide6.QtGui import QMouseEvent
    from PySide6.QtWidgets import QApplication

    buttons = Qt.MouseButton.NoButton if kind == QEvent.Type.MouseButtonRelease else Qt.MouseButton.LeftButton
    event = QMouseEvent(kind, QPointF(x, y), QPointF(x, y), Qt.MouseButton.LeftButton, buttons,
                        Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, event)


def stroke(canvas, points, steps=8):
    """Draw a polyline given in fractions of the canvas side, as a hand would: a press,
    ``steps`` moves along each segment, a release."""
    from PySide6.QtCore import QEvent

    side = min(canvas.width(), canvas.height())
    xs = [(x * side, y * side) for x, y in points]
    mouse(canvas, QEvent.Type.MouseButtonPress, *xs[0])
    for a, b in zip(xs, xs[1:]):
        for i in range(1, steps):
            t = i / (steps - 1)
            mouse(canvas, QEvent.Type.MouseMove, a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1]))
    mouse(canvas, QEvent.Type.MouseButtonRelease, *xs[-1])


def _plain(label_text):
    return " ".join(re.sub(r"<[^>]+>", " ", label_text).split())


def _wait(predicate, seconds):
    """Run the event loop until ``predicate()`` holds or ``seconds`` pass; its last value."""
    from PySide6.QtCore import QDeadlineTimer, QEventLoop, QTimer

    deadline = QDeadlineTimer(int(seconds * 1000))
    loop = QEventLoop()
    tick = QTimer(interval=50)
    tick.timeout.connect(lambda: (predicate() or deadline.hasExpired()) and loop.quit())
    tick.start()
    if not predicate():
        loop.exec()
    tick.stop()
    return predicate()


def run(data_folder=None, show=False, timeout=60.0):
    """Run the checks; return the exit status (0: all passed).

    ``timeout`` bounds each wait (the data, the prediction); the training run may take
    five times as long (a first start compiles the kernels).
    """
    if not show:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    else:
        from app import preflight

        problem = preflight.problem()
        if problem:
            print(f"softmax-lab self-test: {problem}", file=sys.stderr)
            return 1
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication, QComboBox, QLabel, QPushButton, QTabWidget, QWidget

    from app.gui import build_window
    from app.resources import BUNDLED_BEST, version

    print(f"softmax-lab {version()} (Python {sys.version.split()[0]}, {sys.executable})")
    app = QApplication.instance() or QApplication(sys.argv[:1])
    failures = []
    with tempfile.TemporaryDirectory(prefix="softmax-lab-self-test-") as scratch:
        store = QSettings(os.path.join(scratch, "settings.ini"), QSettings.Format.IniFormat)
        window = build_window(data_folder, store=store, history=False)  # nothing of the user's
        controller = window.controller
        failed = []
        controller.dataFailed.connect(failed.append)
        window.resize(1024, 700)
        window.show()
        print(f"studio: opened ({app.platformName()}), bundled weights {BUNDLED_BEST}")

        tabs = window.findChild(QTabWidget, "mainTabs")
        canvas = window.findChild(QWidget, "digitCanvas")
        digit = window.findChild(QLabel, "predictedDigit")
        tabs.setCurrentWidget(next(tabs.widget(i) for i in range(tabs.count())
                                   if tabs.widget(i).isAncestorOf(canvas)))
        _wait(canvas.isVisible, timeout)
        stroke(canvas, SEVEN)
        _wait(lambda: "sure" in _plain(digit.text()), timeout)
        answer = _plain(digit.text())
        if answer.split()[:1] == ["7"]:
            print(f"canvas: drew a seven, read as {answer}")
        else:
            failures.append("canvas")
            print(f"canvas: drew a seven, the studio shows {answer!r}")

        if data_folder is not None:
            _wait(lambda: controller.data is not None or failed, timeout)
        if controller.data is None:
            if failed:
                failures.append("data")
            print(f"data: {failed[-1]}" if failed else "data: none opened (softmax-lab download fetches MNIST)")
        else:
            print(f"data: {controller.data.describe()}")
            # Train the best preset through the form, as a user would.
            preset = window.findChild(QComboBox, "presetCombo")
            preset.setCurrentText("best")
            window.findChild(QPushButton, "startButton").click()
            _wait(lambda: controller.runs and controller.runs[-1].status.ended, 5 * timeout)
            trained = controller.runs[-1] if controller.runs else None
            if trained is not None and trained.status == "finished" and trained.points:
                print(f"training: {trained.name}, {trained.status}, test accuracy "
                      f"{trained.points[-1].test_accuracy:.2%}")
            else:
                failures.append("training")
                print(f"training: {trained.name}, {trained.status} {trained.message}" if trained
                      else "training: Start did not start a run")
        window.close()
    print("self-test: " + ("passed" if not failures else f"FAILED ({', '.join(failures)})"))
    return 0 if not failures else 1
