"""The run controller on its own, with real MNIST, real worker threads and the real Qt
event loop, but no window: a plain stand-in takes the window's place."""

import json
import subprocess
import sys
from unittest.mock import MagicMock

import h5py
import numpy as np
import pytest
from PySide6.QtCore import QObject, Signal

from app.controller import RunController
from app.gui import wire
from compute.engine.runs import RunStatus
from compute.settings import PRESETS, Settings
from ui.draw_tab import DrawTab
from ui.history_view import HistoryView
from ui.main_window import MainWindow
from ui.runs_table import RunsTable
from ui.view import NEWS, REQUESTS, StudioView

WAIT_MS = 120_000


def signals_of(widget_class):
    """The signals a widget class declares (its own and its view protocol's)."""
    return {name: value for klass in reversed(widget_class.__mro__)
            for name, value in vars(klass).items() if isinstance(value, Signal)}


#: The window's parts that the view protocol names ("runs.renamed", "draw.say").
PARTS = {"runs": RunsTable, "draw": DrawTab, "history": HistoryView}


class StandIn(QObject):
    """A view part's signals, real; its methods, a mock that records what it is shown (and
    refuses names the real part does not have)."""

    def __init__(self, real_class):
        super().__init__()
        self.shown = MagicMock(spec=real_class)

    def __getattr__(self, name):
        return getattr(self.shown, name)


def stand_in(real_class):
    return type(f"StandIn{real_class.__name__}", (StandIn,), signals_of(real_class))(real_class)


class StandInWindow(StandIn, StudioView):
    """The view protocol with mocks for news: what the tests put where the window goes."""

    def __init__(self):
        super().__init__(MainWindow)
        for name, part in PARTS.items():
            setattr(self, name, stand_in(part))


def test_the_window_the_stand_in_and_the_controller_share_the_view_protocol():
    for path in (*REQUESTS, *NEWS.values()):
        part, _, name = path.rpartition(".")
        real = PARTS.get(part, MainWindow)
        assert hasattr(real, name), f"{real.__name__} has no {name}"
        assert hasattr(StandInWindow(), path.split(".")[0])
    for request, action in REQUESTS.items():
        assert callable(getattr(RunController, action)), action
        if "." not in request:
            assert isinstance(getattr(StudioView, request), Signal), request
    for news in NEWS:
        assert isinstance(getattr(RunController, news), Signal), news


@pytest.fixture
def controller(qtbot, mnist, no_qt_leaks):
    controller = RunController()
    controller.data = mnist
    yield controller
    controller.shutdown()


def test_a_run_publishes_points_and_snapshots_and_finishes(qtbot, controller):
    points = []
    controller.pointsAdded.connect(lambda run: points.append(len(run.points)))
    with qtbot.waitSignal(controller.busyChanged, timeout=WAIT_MS) as started:
        run = controller.start(PRESETS["seed-minibatch100"])
    assert started.args == [True] and controller.active_run is run
    with qtbot.waitSignal(controller.busyChanged, timeout=WAIT_MS):
        pass
    assert run.status == RunStatus.FINISHED and not run.active
    assert [p.samples_seen for p in run.points] == list(range(0, 60001, 5000))
    assert points == list(range(1, 14))
    assert run.latest.samples_seen == 60000 and run.evaluated.point is run.points[-1]
    assert run.model is run.latest.model and not run.model.weights.flags.writeable
    assert run.points[-1].test_accuracy >= 0.90


def test_pause_resume_stop_and_refusals(qtbot, controller):
    messages = []
    controller.message.connect(messages.append)
    run = controller.start(Settings(batch_size=100, learning_rate=0.1, epochs=500))
    assert controller.start(PRESETS["best"]) is None
    assert "already training" in messages[-1] and controller.runs == [run]
    controller.remove(run)
    assert "stop it before deleting" in messages[-1]
    qtbot.waitUntil(lambda: run.samples_seen > 0, timeout=WAIT_MS)
    with qtbot.waitSignal(controller.runChanged, timeout=5000):
        controller.toggle_pause()
    assert run.status == RunStatus.PAUSED
    seen = run.samples_seen
    qtbot.wait(200)
    assert run.samples_seen == seen
    controller.toggle_pause()
    qtbot.waitUntil(lambda: run.samples_seen > seen, timeout=WAIT_MS)
    with qtbot.waitSignal(controller.busyChanged, timeout=5000):
        controller.stop()
    assert run.status == RunStatus.STOPPED and controller.active_run is None
    controller.remove(run)
    assert controller.runs == []


def test_three_saves_during_a_long_run_each_match_what_evaluate_computes(qtbot, controller, mnist_dir,
                                                                         tmp_path):
    run = controller.start(PRESETS["seed-report"])  # 100 epochs, a point after each
    saved = []
    for points in (2, 4, 6):
        # Mid-epoch: the newest parameters have moved on from the last point's.
        qtbot.waitUntil(lambda: len(run.points) >= points and run.latest.point is None,
                        timeout=WAIT_MS)
        assert run.active, "the run must still be training while we save"
        path = tmp_path / f"during-{points}.hdf5"
        with qtbot.waitSignal(controller.fileWritten, timeout=WAIT_MS) as written:
            controller.save_params(run, str(path))
        assert written.args == [str(path)]
        saved.append(path)
    controller.stop()
    qtbot.waitUntil(lambda: not controller.busy, timeout=WAIT_MS)
    recorded = set()
    for path in saved:
        with h5py.File(path) as f:
            accuracy, loss = float(f.attrs["test_accuracy"]), float(f.attrs["test_loss"])
        done = subprocess.run([sys.executable, "-m", "app", "evaluate", "--params", str(path),
                               "--data", str(mnist_dir), "--json"],
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        result = json.loads(done.stdout)
        assert (result["accuracy"], result["loss"]) == (accuracy, loss), path.name
        recorded.add(accuracy)
    assert len(recorded) == 3, "three saves at three moments of the run"


def test_a_run_without_a_point_yet_is_not_saved(qtbot, controller, tmp_path):
    from compute.engine.runs import Run

    messages = []
    controller.message.connect(messages.append)
    controller.save_params(Run(9, "empty", "#000", Settings()), str(tmp_path / "p.hdf5"))
    assert "no evaluated parameters yet" in messages[-1]
    assert not (tmp_path / "p.hdf5").exists()


def test_a_failed_save_is_a_message_and_leaves_no_file(qtbot, controller, tmp_path):
    with qtbot.waitSignal(controller.busyChanged, timeout=WAIT_MS):
        run = controller.start(dataclass_replace(PRESETS["seed-minibatch100"], eval_every=60000))
    qtbot.waitUntil(lambda: not controller.busy, timeout=WAIT_MS)
    with qtbot.waitSignal(controller.message, timeout=WAIT_MS) as told:
        controller.save_params(run, str(tmp_path / "no-such-folder" / "p.hdf5"))
    assert "no-such-folder" in told.args[0] and "does not exist" in told.args[0]
    assert list(tmp_path.iterdir()) == []


def dataclass_replace(settings, **changes):
    import dataclasses

    return dataclasses.replace(settings, **changes)


def test_wiring_carries_requests_to_the_controller_and_news_to_the_window(qtbot, controller):
    window = StandInWindow()
    wire(controller, window)
    with qtbot.waitSignal(controller.busyChanged, timeout=WAIT_MS):
        window.startRequested.emit(dataclass_replace(PRESETS["seed-minibatch100"], eval_every=30000))
    run = controller.active_run
    window.shown.run_added.assert_called_once_with(run)
    window.shown.set_busy.assert_called_with(True)
    with qtbot.waitSignal(controller.busyChanged, timeout=WAIT_MS):
        pass
    window.shown.set_busy.assert_called_with(False)
    assert window.shown.points_added.call_count == 3  # at 0, 30,000 and 60,000 samples
    window.shown.run_changed.assert_called_with(run)
    window.shown.show_progress.assert_called_with(run)

    window.runs.renamed.emit(run, "  baseline ")
    assert run.name == "baseline"
    window.runs.visibilityToggled.emit(run, False)
    assert run.visible is False
    window.runs.deleteRequested.emit(run)
    assert controller.runs == []
    window.shown.run_removed.assert_called_once_with(run)

    window.loadParamsRequested.emit("/no/such/file.hdf5")
    qtbot.waitUntil(lambda: window.shown.show_message.called, timeout=WAIT_MS)
    assert "no such file" in window.shown.show_message.call_args.args[0]


def test_the_draw_tab_asks_and_the_controller_changes_my_digits(qtbot, controller, tmp_path):
    window = StandInWindow()
    wire(controller, window)
    shown = window.draw.shown
    seven = np.full(784, 0.5, np.float32)
    with qtbot.waitSignal(controller.myDigitsChanged, timeout=WAIT_MS):
        window.draw.teachRequested.emit(seven, 7, 10)
    assert shown.show_my_digits.call_args.args[0].labels.tolist() == [7]
    with qtbot.waitSignal(controller.myDigitsChanged, timeout=WAIT_MS):
        controller.load_my_digits()
    assert shown.show_my_digits.call_args.args[0].labels.tolist() == [7]
    with qtbot.waitSignal(controller.myDigitsFailed, timeout=WAIT_MS):
        window.draw.importMyDigitsRequested.emit(str(tmp_path / "missing.hdf5"), 10)
    assert "missing.hdf5" in shown.say.call_args.args[0]
    with qtbot.waitSignal(controller.myDigitsFailed, timeout=WAIT_MS):
        window.draw.teachRequested.emit(seven, 12, 10)
    assert "label 12" in shown.say.call_args.args[0]
    with qtbot.waitSignal(controller.myDigitsChanged, timeout=WAIT_MS):
        window.draw.clearMyDigitsRequested.emit()
    assert len(shown.show_my_digits.call_args.args[0]) == 0


def test_nonsense_recorded_in_a_parameter_file_is_shown_as_missing(qtbot, controller, tmp_path):
    from app.resources import BUNDLED_PIXELS
    from compute.storage import params

    model, _ = params.load(BUNDLED_PIXELS)
    path = tmp_path / "odd.hdf5"
    params.save(path, model, {"samples_seen": 1e300, "updates": -5,
                              "settings": '{"learning_rate": "fast", "epochs": 3}'})
    with qtbot.waitSignal(controller.runAdded, timeout=WAIT_MS) as added:
        controller.load_params(str(path))
    run = added.args[0]
    assert run.samples_seen == 0 and run.points[0].samples_seen == 0 and run.points[0].updates == 0
    assert run.settings == Settings(), "settings that do not validate are not used"
    assert run.points[0].test_accuracy >= 0.92  # the parameters themselves are fine


def test_shutdown_waits_for_jobs_that_end_at_once_and_those_still_queued(qtbot):
    """Outside an event loop superqt starts a job at once; one that ended before its end
    was watched stayed 'unfinished' and made every later close wait its full timeout."""
    import time

    from app.controller.jobs import run_in_background, wait_for_jobs

    results = []
    for n in range(20):
        run_in_background(int, n, on_result=results.append, on_error=pytest.fail)
    started = time.monotonic()
    assert wait_for_jobs(5000)
    assert time.monotonic() - started < 2 and sorted(results) == list(range(20))


def test_a_jobs_warnings_are_its_own_and_no_other_threads(qtbot, capsys):
    """superqt caught warnings process-wide: one of the GUI thread (a plot's "All-NaN
    slice") reached the running job's handler, and two overlapping jobs left the first's
    hook in place, so the draw tab said "cannot classify" on an empty canvas."""
    import threading
    import warnings

    from app.controller.jobs import run_in_background, wait_for_jobs

    started = {name: threading.Event() for name in "ab"}
    release = {name: threading.Event() for name in "ab"}
    heard = {name: [] for name in "ab"}

    def job(name):
        started[name].set()
        release[name].wait(10)
        if name == "a":
            warnings.warn("job a's own warning", RuntimeWarning)
        return name

    for name in "ab":
        run_in_background(job, name, on_error=heard[name].append)
    qtbot.waitUntil(lambda: all(event.is_set() for event in started.values()), timeout=10_000)
    np.nanmax(np.array([np.nan]))  # the GUI thread's warning, while both jobs run
    release["a"].set()
    qtbot.waitUntil(lambda: bool(heard["a"]), timeout=10_000)
    release["b"].set()
    assert wait_for_jobs(10_000)
    with pytest.warns(RuntimeWarning, match="All-NaN"):  # once both have ended: Python's own way
        np.nanmin(np.array([np.nan]))
    qtbot.wait(50)
    assert [str(error) for error in heard["a"]] == ["RuntimeWarning: job a's own warning"]
    assert heard["b"] == []
    assert "All-NaN slice encountered" in capsys.readouterr().err
