"""Teach it your handwriting: My digits (a course-schema file), fine-tuning on them."""

import numpy as np
import pytest
from PySide6.QtWidgets import QComboBox, QLabel, QPushButton

from app.gui import BUNDLED_LABELS
from compute.storage import data, my_digits
from app.selftest import stroke

#: A 2, as fractions of the canvas side (the README's drawing).
TWO = [(0.3, 0.32), (0.42, 0.2), (0.6, 0.2), (0.7, 0.32), (0.65, 0.5), (0.45, 0.68), (0.3, 0.82),
       (0.75, 0.8)]

WAIT_MS = 120_000


@pytest.fixture
def teaching(studio):
    """The studio on its Draw tab, large enough for the teaching row."""
    studio.resize(1200, 800)
    studio.tabs.setCurrentWidget(studio.draw)
    return studio


def test_my_digits_file_is_course_schema_and_grows_atomically(tmp_path, mnist):
    path = tmp_path / "mine.hdf5"
    picture = mnist.test.rows.dense(np.array([0]))[0].reshape(28, 28)
    my_digits.add(picture, 7, 10, path)
    digits = my_digits.add(picture * 0.5, 3, 10, path)
    assert len(digits) == 2 and list(digits.counts(10)) == [0, 0, 0, 1, 0, 0, 0, 1, 0, 0]
    pair = data.load_files(path, path)  # usable as --train/--test data
    assert pair.train.n_samples == 2 and list(pair.train.labels) == [7, 3] and pair.n_classes == 10
    # nothing half-written (the lock file stays, as SQLite's -journal may)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine.hdf5", "mine.hdf5.lock"]
    with pytest.raises(data.DataError, match="label 12 is not a class of this model"):
        my_digits.add(picture, 12, 10, path)
    my_digits.clear(path)
    assert len(my_digits.load(path)) == 0


def test_a_taught_drawing_lands_in_my_digits_and_a_fine_tune_reads_it_so(qtbot, teaching):
    studio = teaching
    tab = studio.draw
    stroke(tab.canvas, TWO)  # a 2, which the bundled model reads as 2 ...
    qtbot.waitUntil(lambda: tab.view.probabilities is not None, timeout=WAIT_MS)
    assert int(np.argmax(tab.view.probabilities)) == 2
    label = tab.findChild(QComboBox, "teachLabelCombo")
    assert label.currentText() == "2"  # "It is" offers the prediction ...
    label.setCurrentIndex(label.findText("7"))  # ... taught, deliberately, as a 7 (picked
    label.activated.emit(label.currentIndex())  # as a user picks: it then stays)
    teach = tab.findChild(QPushButton, "teachButton")
    for _ in range(3):  # quick clicks: each example kept (the file changes one at a time)
        teach.click()
    qtbot.waitUntil(lambda: len(my_digits.load()) == 3, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: len(tab.my_digits) == 3, timeout=WAIT_MS)
    assert "My digits: 3 (7: 3)" in tab.findChild(QLabel, "myDigitsCount").text()
    kept = data.load_files(my_digits.default_path(), my_digits.default_path()).train
    assert list(kept.labels) == [7, 7, 7]
    np.testing.assert_allclose(kept.rows.dense(np.array([0]))[0].reshape(28, 28), tab.prepared.pixels,
                               atol=1e-6)

    with qtbot.waitSignal(studio.controller.fineTuned, timeout=WAIT_MS) as done:
        tab.findChild(QPushButton, "fineTuneButton").click()
    run, mine_before, mine_after, test_before, test_after = done.args
    # the default model, the shipped best one, fine-tuned on what it reads: deskewed
    # digits' gradient histograms
    assert run.name == f"fine-tune: {BUNDLED_LABELS['best']}" and run in studio.runs.all_runs()
    assert run.settings.deskew and run.settings.features == "gradients"
    assert mine_before == 0.0 and mine_after == 1.0
    assert test_after > 0.85 and abs(test_before - 0.9911) < 2e-3  # forgetting shows, bounded
    result = tab.findChild(QLabel, "fineTuneResult").text()
    assert "My digits 0% → 100% correct" in result and "test set 99.1" in result
    assert tab.model_box.currentData() == run.id
    qtbot.waitUntil(lambda: tab.view.probabilities is not None
                    and int(np.argmax(tab.view.probabilities)) == 7, timeout=WAIT_MS)


def test_my_digits_export_import_and_clear(qtbot, teaching, tmp_path, monkeypatch, mnist):
    studio = teaching
    from PySide6.QtGui import QAction
    from PySide6.QtWidgets import QFileDialog, QMessageBox

    tab = studio.draw
    source = tmp_path / "from-a-friend.hdf5"
    data.write_course_hdf5(source, mnist.test.rows.dense(np.arange(5)), mnist.test.labels[:5], 10)
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(source), ""))
    tab.findChild(QAction, "myDigitsImportAction").trigger()
    qtbot.waitUntil(lambda: len(tab.my_digits) == 5, timeout=WAIT_MS)
    out = tmp_path / "mine.hdf5"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(out), ""))
    tab.findChild(QAction, "myDigitsExportAction").trigger()
    qtbot.waitUntil(out.is_file, timeout=WAIT_MS)
    assert list(data.load_files(out, out).test.labels) == list(mnist.test.labels[:5])
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.No)
    tab.findChild(QAction, "myDigitsClearAction").trigger()
    assert len(tab.my_digits) == 5
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    tab.findChild(QAction, "myDigitsClearAction").trigger()
    qtbot.waitUntil(lambda: len(tab.my_digits) == 0, timeout=WAIT_MS)
    assert not my_digits.default_path().exists()
    assert not tab.findChild(QPushButton, "fineTuneButton").isEnabled()
