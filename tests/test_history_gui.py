"""The run history in the studio, as a user meets it: runs that come back after a
restart, a run trained in a terminal that grows in an open studio, Delete with Undo,
the History tab, and a history file that cannot be used."""

import dataclasses
import subprocess
import sys

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from app.gui import build_window
from compute.settings import PRESETS
from compute.storage import history as store
from compute.storage.history import History

WAIT_MS = 120_000
QUICK = dataclasses.replace(PRESETS["seed-minibatch100"], eval_every=20000)


@pytest.fixture
def open_studio(qtbot, mnist_dir, store, tmp_path, no_qt_leaks):
    """Open studios on the real MNIST with a history folder of the test's own."""
    windows = []

    def open_one(history=tmp_path / "history"):
        window = build_window(mnist_dir, store=store, history=history)
        window.show()
        qtbot.waitUntil(lambda: window.controller.data is not None, timeout=WAIT_MS)
        windows.append(window)
        return window
    yield open_one
    for window in windows:
        window.close()


def train(qtbot, window, settings=QUICK):
    window.controls.set_settings(settings)
    with qtbot.waitSignal(window.controller.busyChanged, timeout=WAIT_MS):
        window.start_button.click()
    run = window.controller.active_run
    qtbot.waitUntil(lambda: not window.controller.busy, timeout=WAIT_MS)
    return run


def test_runs_come_back_after_a_restart_bit_for_bit(qtbot, open_studio):
    first = open_studio()
    trained = [train(qtbot, first), train(qtbot, first, dataclasses.replace(QUICK, learning_rate=0.1))]
    first.controller.rename(trained[0], "baseline")
    first.close()

    again = open_studio()
    qtbot.waitUntil(lambda: len(again.controller.runs) == 2, timeout=WAIT_MS)
    back = again.controller.runs
    assert [run.name for run in back] == ["baseline", trained[1].name]
    for old, new in zip(trained, back):
        assert new.points == old.points  # every figure of every point
        assert new.status == old.status and new.settings == old.settings
        assert (new.model.weights == old.evaluated.model.weights).all()
    again.plots.flush()
    assert again.plots.point_count(back[0]) == len(trained[0].points)
    assert again.runs.rowCount() == 2
    # The Draw tab reads with a restored run's model, as with a fresh one.
    again.draw.choose_run(back[0])
    assert again.draw.current_model() is back[0].model


def test_delete_by_the_key_goes_to_the_trash_and_ctrl_z_brings_it_back(qtbot, open_studio):
    studio = open_studio()
    first, second = train(qtbot, studio), train(qtbot, studio)
    studio.runs.selectRow(0)
    studio.runs.setFocus()
    qtbot.keyClick(studio.runs, Qt.Key.Key_Delete)
    assert studio.runs.all_runs() == [second] and "Unexpected" not in studio.last_message
    assert "trash" in studio.statusBar().currentMessage()
    studio.controller.recorder.flush()
    with History(studio.controller.history_folder) as history:
        assert [r.name for r in history.records(trashed=True)] == [first.name]
    qtbot.keyClick(studio.runs, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert first in studio.controller.runs and first in studio.runs.all_runs()
    studio.controller.recorder.flush()
    with History(studio.controller.history_folder) as history:
        assert history.records(trashed=True) == [] and len(history.records()) == 2


def test_the_history_tab_filters_ticks_renames_and_trashes(qtbot, open_studio):
    studio = open_studio()
    train(qtbot, studio)
    adam = train(qtbot, studio, dataclasses.replace(QUICK, optimizer="adam", learning_rate=0.003))
    view = studio.history
    studio.tabs.setCurrentWidget(view)
    qtbot.waitUntil(lambda: view.model.rowCount() == 2, timeout=WAIT_MS)
    assert view.count.text() == "2 runs recorded"
    view.optimizer_box.setCurrentText("adam")
    assert view.rows.rowCount() == 1 and view.count.text() == "1 of 2 runs recorded"
    view.optimizer_box.setCurrentIndex(0)
    view.search.setText("adam")
    assert view.rows.rowCount() == 1
    view.search.clear()
    assert view.data_box.count() == 2  # all, and MNIST

    # Untick: off the run list; tick: back, with its curves.
    row = next(r for r in range(view.rows.rowCount())
               if view.rows.index(r, 2).data() == adam.name)
    tick = view.rows.index(row, 0)
    view.rows.setData(tick, Qt.CheckState.Unchecked.value, Qt.ItemDataRole.CheckStateRole)
    assert adam not in studio.controller.runs
    view.rows.setData(tick, Qt.CheckState.Checked.value, Qt.ItemDataRole.CheckStateRole)
    qtbot.waitUntil(lambda: any(r.name == adam.name for r in studio.controller.runs), timeout=WAIT_MS)

    # Renames and notes are kept.
    view.rows.setData(view.rows.index(row, 2), "adam, the good one")
    qtbot.waitUntil(lambda: any(r.name == "adam, the good one" for r in studio.controller.runs), timeout=WAIT_MS)
    view.rows.setData(view.rows.index(row, 12), "lr from the sweep")
    studio.controller.recorder.flush()
    with History(studio.controller.history_folder) as history:
        (kept,) = [r for r in history.records() if r.optimizer == "adam"]
        assert kept.name == "adam, the good one" and kept.notes == "lr from the sweep"

    view.table.selectRow(row)
    view.delete_button.click()
    qtbot.waitUntil(lambda: view.model.rowCount() == 1, timeout=WAIT_MS)
    view.trash_box.setChecked(True)
    qtbot.waitUntil(lambda: view.model.rowCount() == 1 and view.model.records[0].optimizer == "adam",
                    timeout=WAIT_MS)
    assert view.restore_button.isVisible() and not view.open_button.isVisible()


def test_a_run_from_a_terminal_grows_in_an_open_studio(qtbot, open_studio, mnist_dir, tmp_path):
    studio = open_studio()
    terminal = subprocess.Popen(
        [sys.executable, "-m", "app", "train", "--data", str(mnist_dir), "--preset", "seed-sgd1",
         "--epochs", "12", "--quiet", "--history", str(tmp_path / "history")],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        qtbot.waitUntil(lambda: any(r.settings.batch_size == 1 for r in studio.controller.runs),
                        timeout=WAIT_MS)
        (followed,) = [r for r in studio.controller.runs if r.settings.batch_size == 1]
        seen = len(followed.points)
        qtbot.waitUntil(lambda: len(followed.points) > seen, timeout=WAIT_MS)  # it grows
        qtbot.waitUntil(lambda: followed.status.ended, timeout=WAIT_MS)
        assert terminal.wait(timeout=60) == 0, terminal.stderr.read()
        assert str(followed.status) == "finished" and len(followed.points) == 12 * 12 + 1
        assert followed in studio.runs.all_runs() and followed.model is not None
    finally:
        terminal.kill()
        terminal.communicate()


def test_a_damaged_history_is_said_and_moved_aside_when_asked(qtbot, open_studio, tmp_path):
    folder = tmp_path / "history"
    folder.mkdir()
    (folder / store.FILE_NAME).write_bytes(b"\x00 not a history " * 64)
    studio = open_studio(folder)
    box = studio.findChild(QMessageBox, "historyProblemBox")
    assert box is not None and box.isVisible() and "not a Softmax Lab history" in box.text()
    assert "not a Softmax Lab history" in studio.history.problem.text()
    train(qtbot, studio)  # training goes on, unrecorded
    move = next(b for b in box.buttons() if "Move aside" in b.text())
    move.click()
    qtbot.waitUntil(lambda: studio.controller.history_folder is not None, timeout=WAIT_MS)
    kept = [p for p in folder.iterdir() if p.name.startswith(f"{store.FILE_NAME}.unusable-")]
    assert len(kept) == 1 and kept[0].read_bytes() == b"\x00 not a history " * 64
    assert "kept as" in studio.last_message
    train(qtbot, studio)
    studio.controller.recorder.flush()
    with History(folder) as history:
        assert len(history.records()) == 1


def test_a_read_only_history_is_shown_and_says_nothing_is_recorded(qtbot, tmpfs, open_studio, mnist_dir):
    """(tmpfs before open_studio: the studio closes before the disk is unmounted.)"""
    folder = tmpfs(size="8m")
    done = subprocess.run([sys.executable, "-m", "app", "train", "--data", str(mnist_dir), "--preset",
                           "seed-minibatch100", "--quiet", "--history", str(folder)],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    subprocess.run(["mount", "-o", "remount,ro", str(folder)], check=True)
    studio = open_studio(folder)
    assert "cannot be written" in studio.last_message and "not recorded" in studio.last_message
    assert "cannot be written" in studio.history.problem.text()
    studio.tabs.setCurrentWidget(studio.history)
    qtbot.waitUntil(lambda: studio.history.model.rowCount() == 1, timeout=WAIT_MS)
    train(qtbot, studio)  # trains, unrecorded
    assert len(studio.controller.runs) == 1
