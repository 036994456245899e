"""The run history's store: real MNIST runs recorded and read back, and every way a
history file goes wrong (damaged, another program's, newer, read-only, a full disk,
several writers at once)."""

import dataclasses
import multiprocessing
import sqlite3
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from compute.engine.recording import Recorder, RunRecording, points
from compute.engine.training import Training
from compute.settings import PRESETS
from compute.storage import catalogue
from compute.storage import history as store
from compute.storage.history import History, HistoryError

QUICK = dataclasses.replace(PRESETS["seed-minibatch100"], eval_every=20000)


def train_recorded(folder, data, settings=QUICK, name="quick"):
    recorder = Recorder(folder)
    recording = RunRecording(recorder, name, settings, "test", data)
    training = Training(data, settings)
    for _ in training.steps():
        recording.sync(training)
    recording.end(training, "finished")
    recorder.close()
    return recording.id, training


def test_a_run_is_kept_bit_for_bit_with_its_parameters(tmp_path, mnist):
    run_id, training = train_recorded(tmp_path, mnist)
    with History(tmp_path) as history:
        (record,) = history.records()
        assert record.id == run_id and record.name == "quick" and record.status == "finished"
        assert record.settings == QUICK and record.source == "test"
        assert record.data_folder and len(record.data_hash) == 32
        assert record.class_names == tuple(mnist.class_names)
        assert record.n_points == len(training.points) == 4
        assert record.test_accuracy == training.points[-1].test_accuracy
        assert points(history, run_id) == training.points  # every figure, exactly
        model, _ = history.model(run_id)
        np.testing.assert_array_equal(model.weights, training.evaluated.model.weights)
        np.testing.assert_array_equal(model.bias, training.evaluated.model.bias)
    assert store.data_identity(mnist)[1] == record.data_hash  # the same bytes, the same hash


def test_renames_notes_and_the_trash(tmp_path, mnist):
    first, _ = train_recorded(tmp_path, mnist, name="one")
    second, _ = train_recorded(tmp_path, mnist, name="two")
    with History(tmp_path) as history:
        history.rename(first, "baseline")
        history.set_notes(first, "the course's settings")
        history.trash([second])
        assert [r.name for r in history.records()] == ["baseline"]
        assert history.records()[0].notes == "the course's settings"
        assert [r.id for r in history.records(trashed=True)] == [second]
        history.restore([second])
        assert len(history.records()) == 2
        history.trash([second])
        assert history.model_path(second).is_file()
        assert history.empty_trash() == 1
        assert not history.model_path(second).exists() and history.point_rows(second) == []
        assert [r.id for r in history.records()] == [first]


def test_a_damaged_file_is_one_line_and_moved_aside_never_deleted(tmp_path):
    path = tmp_path / store.FILE_NAME
    path.write_bytes(b"not a database at all, just words" * 100)
    with pytest.raises(HistoryError) as caught:
        History(tmp_path)
    assert str(caught.value) == f"{path}: not a Softmax Lab history (damaged, or not a database)"
    kept = store.move_aside(tmp_path)
    assert kept.read_bytes() == b"not a database at all, just words" * 100
    assert not path.exists()
    with History(tmp_path) as history:  # a new one in its place
        assert history.records() == []


def test_another_programs_database_and_a_newer_history(tmp_path):
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    with sqlite3.connect(foreign / store.FILE_NAME) as db:
        db.execute("CREATE TABLE notes (text TEXT)")
    with pytest.raises(HistoryError, match="not a Softmax Lab history \\(another program's database\\)"):
        History(foreign)
    newer = tmp_path / "newer"
    History(newer).close()
    with sqlite3.connect(newer / store.FILE_NAME) as db:
        db.execute(f"PRAGMA user_version={catalogue.VERSION + 1}")
    with pytest.raises(HistoryError) as caught:
        History(newer)
    assert "written by a newer Softmax Lab" in str(caught.value) and "\n" not in str(caught.value)
    a_folder = tmp_path / "folder"
    (a_folder / store.FILE_NAME).mkdir(parents=True)
    with pytest.raises(HistoryError, match="not a regular file"):
        History(a_folder)


def test_a_read_only_history_is_read_and_says_nothing_is_recorded(tmp_path, mnist, tmpfs):
    import shutil

    run_id, training = train_recorded(tmp_path / "h", mnist)
    folder = tmpfs(size="4m")
    shutil.copytree(tmp_path / "h", folder / "h")
    subprocess.run(["mount", "-o", "remount,ro", str(folder)], check=True)
    with History(folder / "h") as history:
        assert not history.writable and "cannot be written" in history.problem
        assert points(history, run_id) == training.points
        with pytest.raises(HistoryError, match="cannot be written"):
            history.rename(run_id, "x")
    recorder = Recorder(folder / "h")
    assert not recorder.recording and "runs are not recorded" in recorder.problem
    assert RunRecording(recorder, "x", QUICK, "test").id is None
    recorder.close()


def test_a_full_disk_loses_that_point_only_and_says_so(tmp_path, mnist, tmpfs):
    folder = tmpfs(size="2m")
    heard = []
    recorder = Recorder(folder, on_problem=heard.append)
    recording = RunRecording(recorder, "quick", QUICK, "test", mnist)
    training = Training(mnist, QUICK)
    steps = training.steps()
    while len(training.points) < 2:
        next(steps)
    recording.sync(training)
    recorder.flush()
    filler = folder / "filler"
    with open(filler, "wb") as f:  # the disk fills up
        try:
            f.write(bytes(8 << 20))
        except OSError:
            pass
    while len(training.points) < 3:
        next(steps)
    recording.sync(training)
    recorder.flush()
    filler.unlink()  # room again
    for _ in steps:
        pass
    recording.end(training, "finished")
    recorder.close()
    assert heard and all("not recorded" in text and "\n" not in text for text in heard)
    assert any("full" in text for text in heard)
    with History(folder) as history:
        kept = points(history, recording.id)
        assert len(kept) >= 3 and kept[:2] == training.points[:2] and kept[-1] == training.points[-1]
        assert history.record(recording.id).status == "finished"


WRITER = textwrap.dedent("""
    import sys
    from compute.settings import Settings
    from compute.engine.points import Point
    from compute.storage.history import History

    with History(sys.argv[1]) as history:
        run = history.begin(f"writer {sys.argv[2]}", Settings(), "test")
        for i in range(200):
            history.add_point(run, i, Point(i, i, i / 10, 1.0, 0.5, 1.0, 0.5, 0.1, i / 100, 0.0))
        history.set_status(run, "finished")
""")


def test_four_writers_at_once_lose_nothing(tmp_path):
    writers = [subprocess.Popen([sys.executable, "-c", WRITER, str(tmp_path), str(n)],
                                stderr=subprocess.PIPE, text=True) for n in range(4)]
    for writer in writers:
        _, errors = writer.communicate(timeout=120)
        assert writer.returncode == 0, errors
    with History(tmp_path) as history:
        records = history.records()
        assert sorted(r.name for r in records) == [f"writer {n}" for n in range(4)]
        for record in records:
            assert record.status == "finished" and record.n_points == 200
            assert [p.samples_seen for p in points(history, record.id)] == list(range(200))


def _open_at_the_barrier(folder, barrier, results):
    barrier.wait()
    try:
        History(folder).close()
        results.put("")
    except HistoryError as error:
        results.put(str(error))


def test_six_processes_creating_one_history_at_once_all_open_it(tmp_path):
    # SQLite refuses the switch to WAL at once (no busy wait) while another process is
    # making the same new file: 1 to 5 openings in 100 failed "database is locked".
    fork = multiprocessing.get_context("fork")
    results = fork.Queue()
    for trial in range(40):
        barrier = fork.Barrier(6)
        openers = [fork.Process(target=_open_at_the_barrier,
                                args=(tmp_path / str(trial), barrier, results)) for _ in range(6)]
        for opener in openers:
            opener.start()
        for opener in openers:
            opener.join(60)
    problems = [results.get(timeout=10) for _ in range(40 * 6)]
    assert [p for p in problems if p] == []


def test_a_run_whose_process_is_gone_is_found_interrupted(tmp_path):
    dead = subprocess.run([sys.executable, "-c", textwrap.dedent("""
        import sys
        from compute.settings import Settings
        from compute.storage.history import History
        with History(sys.argv[1]) as history:
            print(history.begin("cut short", Settings(), "test"))
        """), str(tmp_path)], capture_output=True, text=True, check=True)
    run_id = int(dead.stdout)
    with History(tmp_path) as history:
        mine = history.begin("alive", QUICK, "test")
        assert history.find_interrupted() == [run_id]
        assert history.record(run_id).status == store.INTERRUPTED
        assert history.record(mine).status == "running"  # this process is alive
