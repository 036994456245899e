import os
import shutil
import tempfile
from pathlib import Path

import pytest

# Converted data go to a cache of the test session's own, never the user's (subprocesses
# inherit it); removed when the session ends.
_CACHE = os.environ.setdefault("SOFTMAX_LAB_CACHE", tempfile.mkdtemp(prefix="softmax-lab-cache-"))


def pytest_sessionfinish(session, exitstatus):
    worker = hasattr(session.config, "workerinput")  # an xdist worker: the cache is shared
    if not worker and _CACHE.startswith(tempfile.gettempdir()):
        shutil.rmtree(_CACHE, ignore_errors=True)


def pytest_collection_modifyitems(config, items):
    """The install smokes first: they take minutes of mostly waiting on pip and
    PyInstaller, which one worker does while the other runs the rest."""
    items.sort(key=lambda item: item.get_closest_marker("install") is None)

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def mnist_folder():
    """Where the real MNIST is: $SOFTMAX_LAB_DATA, else ../shared/data beside the repo."""
    if os.environ.get("SOFTMAX_LAB_DATA"):
        return Path(os.environ["SOFTMAX_LAB_DATA"])
    return SHARED_DATA


def require_mnist():
    folder = mnist_folder()
    if not (folder / "mnist_traindata.hdf5").is_file():
        message = f"real MNIST not found in {folder} (set SOFTMAX_LAB_DATA)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return folder


@pytest.fixture(scope="session")
def mnist_dir():
    return require_mnist()


@pytest.fixture(scope="session")
def mnist(mnist_dir):
    from compute.storage import data

    return data.load_folder(mnist_dir)


# Qt tests run on the real event loop, offscreen.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture
def no_qt_leaks(qapp):
    """Fail a test that leaves a worker thread running or a window open."""
    yield
    from PySide6.QtCore import QThreadPool
    from PySide6.QtWidgets import QApplication

    pool = QThreadPool.globalInstance()
    assert pool.waitForDone(10_000), "a worker thread was still running 10 s after the test"
    QApplication.processEvents()
    open_windows = [w for w in QApplication.topLevelWidgets() if w.isVisible()]
    assert not open_windows, f"windows left open: {open_windows}"


@pytest.fixture(autouse=True)
def no_unanswered_dialogs(monkeypatch):
    """A modal dialog that a test does not answer would hang the whole run: fail instead."""
    from PySide6.QtWidgets import QFileDialog, QInputDialog

    def unanswered(*args, **kwargs):
        raise AssertionError("the test opened a modal dialog without answering it "
                             "(monkeypatch the dialog's function)")

    for owner, names in ((QFileDialog, ("getOpenFileName", "getSaveFileName", "getExistingDirectory")),
                         (QInputDialog, ("getItem", "getText", "getInt", "getDouble"))):
        for name in names:
            monkeypatch.setattr(owner, name, unanswered)


@pytest.fixture(autouse=True)
def own_user_data(monkeypatch, tmp_path_factory):
    """Each test keeps what the application stores for its user (My digits, downloads)
    in a folder of its own, never the real user's."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path_factory.mktemp("xdg-data")))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("xdg-cache")))


@pytest.fixture
def store(tmp_path):
    """The window's settings, in a file of the test's own."""
    from PySide6.QtCore import QSettings

    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def shown(qtbot):
    """``shown(widget, width, height)``: the widget on screen (offscreen) at that size,
    exposed, and closed after the test."""

    def show(widget, width, height):
        qtbot.addWidget(widget)
        widget.resize(width, height)
        widget.show()
        qtbot.waitExposed(widget)
        return widget

    return show


@pytest.fixture
def studio(qtbot, mnist_dir, store, no_qt_leaks):
    """The main window on real MNIST, data loaded; closed (and checked for leaks) after."""
    from app.gui import build_window

    window = build_window(mnist_dir, store=store)
    window.show()
    qtbot.waitUntil(lambda: window.controller.data is not None, timeout=60_000)
    yield window
    window.close()


@pytest.fixture
def tmpfs(tmp_path):
    """Mount a small real file system (tmpfs) for a test: ``tmpfs(full=True)`` has no
    room left, ``tmpfs(read_only=True)`` takes no writes, even root's. Unmounted after."""
    import subprocess

    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root (CI and the developers' machines are)")
    mounts = []

    def mount(size="64k", full=False, read_only=False):
        folder = tmp_path / f"tmpfs-{len(mounts)}"
        folder.mkdir()
        subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)], check=True)
        mounts.append(folder)
        if full:
            with open(folder / "filler", "wb") as f:
                try:
                    f.write(bytes(1 << 20))
                except OSError:
                    pass  # full: that is the point
        if read_only:
            subprocess.run(["mount", "-o", "remount,ro", str(folder)], check=True)
        return folder

    yield mount
    for folder in mounts:
        subprocess.run(["umount", str(folder)], check=False)
