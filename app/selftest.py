"""``softmax-lab self-test``: check an installation the way a user first meets it.

It opens the studio (offscreen unless ``--show``), with the settings of a throw-away
file so that the user's own are never read or written, draws a seven on the canvas with
real mouse events, waits for the prediction that the bundled weights give, and closes;
it also opens the data folder if one is found. One line per check, exit status 0 when
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


def run(data_folder=None, show=False, timeout=60.0):
    """Run the checks; return the exit status (0: all passed)."""
    if not show:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    else:
        from app import preflight

        problem = preflight.problem()
        if problem:
            print(f"softmax-lab self-test: {problem}", file=sys.stderr)
            return 1
    from PySide6.QtCore import QElapsedTimer, QObject, QSettings, QTimer
    from PySide6.QtWidgets import QApplication, QLabel, QTabWidget, QWidget

    from app.gui import build_window
    from app.resources import BUNDLED_WEIGHTS, version

    print(f"softmax-lab {version()} (Python {sys.version.split()[0]}, {sys.executable})")
    app = QApplication.instance() or QApplication(sys.argv[:1])
    failures = []
    with tempfile.TemporaryDirectory(prefix="softmax-lab-self-test-") as scratch:
        store = QSettings(os.path.join(scratch, "settings.ini"), QSettings.Format.IniFormat)
        window = build_window(data_folder, store=store)
        window.resize(1024, 700)
        window.show()
        tabs = window.findChild(QTabWidget, "mainTabs")
        canvas = window.findChild(QWidget, "digitCanvas")
        digit = window.findChild(QLabel, "predictedDigit")
        tabs.setCurrentWidget(next(tabs.widget(i) for i in range(tabs.count())
                                   if tabs.widget(i).isAncestorOf(canvas)))
        print(f"studio: opened ({app.platformName()}), bundled weights {BUNDLED_WEIGHTS}")
        QTimer.singleShot(0, lambda: stroke(canvas, SEVEN))
        clock = QElapsedTimer()
        clock.start()
        loaded = {"data": None}
        window.controller.dataChanged.connect(lambda data: loaded.update(data=data))
        window.controller.dataFailed.connect(lambda message: loaded.update(data=message))

        def done():
            read = "sure" in _plain(digit.text())
            waiting_for_data = window.controller.data is None and loaded["data"] is None and (
                data_folder is not None)
            return (read and not waiting_for_data) or clock.elapsed() > timeout * 1000

        poll = QTimer(interval=50)
        poll.timeout.connect(lambda: done() and app.quit())
        poll.start()
        app.exec()
        poll.stop()
        answer = _plain(digit.text())
        if answer.split()[:1] == ["7"]:
            print(f"canvas: drew a seven, read as {answer}")
        else:
            failures.append("canvas")
            print(f"canvas: drew a seven, the studio shows {answer!r}")
        data = window.controller.data
        if data is not None:
            print(f"data: {data.describe()}")
        elif isinstance(loaded["data"], str):
            failures.append("data")
            print(f"data: {loaded['data']}")
        else:
            print("data: none opened (softmax-lab download fetches MNIST)")
        window.close()
        QObject.deleteLater(window)
    print("self-test: " + ("passed" if not failures else f"FAILED ({', '.join(failures)})"))
    return 0 if not failures else 1
