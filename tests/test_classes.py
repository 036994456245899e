"""Class names: a data folder's classes.txt, what parameter files record, and where the
names are shown (command line, reports, the studio's views)."""

import json
import subprocess
import sys

import numpy as np
import pytest

from compute.storage import data, params
from compute.errors import DataError
from compute.engine.training import Training
from compute.settings import Settings
from on_screen import tick_labels

NAMES = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")


def named_folder(folder, mnist_dir, names=NAMES):
    """A data folder of the real MNIST files (links, not copies) with a classes.txt."""
    folder.mkdir(exist_ok=True)
    for name in (data.TRAIN_HDF5, data.TEST_HDF5):
        (folder / name).symlink_to(mnist_dir / name)
    (folder / data.CLASSES_TXT).write_text("\n".join(names) + "\n", encoding="utf-8")
    return folder


def test_a_folder_names_its_classes(tmp_path, mnist_dir, mnist):
    pair = data.load_folder(named_folder(tmp_path / "named", mnist_dir))
    assert pair.class_names == NAMES and pair.test.class_names == NAMES
    assert data.load_test(tmp_path / "named").class_names == NAMES
    assert mnist.class_names == tuple("0123456789")  # no classes.txt: the numbers


@pytest.mark.parametrize("text,words", [
    ("\n".join(NAMES[:9]), "names 9 classes but the data has 10"),
    ("\n".join(NAMES + ("ten",)), "names 11 classes but the data has 10"),
    ("\n".join(NAMES[:4] + ("",) + NAMES[5:]), "line 5 is not a class name"),
    ("\n".join(NAMES[:9] + ("x" * 41,)), "line 10 is not a class name (1 to 40 printable"),
    ("\n".join(NAMES[:9] + ("zero",)), "names the class 'zero' twice"),
    ("zero\n" * 100_000, "is longer than 10 names"),
])
def test_a_bad_classes_file_is_one_line(tmp_path, mnist_dir, text, words):
    folder = named_folder(tmp_path / "bad", mnist_dir)
    (folder / data.CLASSES_TXT).write_text(text, encoding="utf-8")
    with pytest.raises(DataError) as caught:
        data.load_folder(folder)
    message = str(caught.value)
    assert message.startswith(str(folder / data.CLASSES_TXT)) and words in message
    assert "\n" not in message


def test_a_classes_file_that_is_not_text(tmp_path, mnist_dir):
    folder = named_folder(tmp_path / "binary", mnist_dir)
    (folder / data.CLASSES_TXT).write_bytes(b"\xff\xfe\x00zero\n" * 2)
    with pytest.raises(DataError, match="classes.txt: is not UTF-8 text"):
        data.load_folder(folder)
    done = subprocess.run([sys.executable, "-m", "app", "train", "--data", str(folder), "--quiet"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 2 and done.stderr.count("\n") == 1
    assert "classes.txt: is not UTF-8 text" in done.stderr


def test_names_travel_with_the_parameters(tmp_path, mnist_dir, mnist):
    pair = data.load_folder(named_folder(tmp_path / "named", mnist_dir))
    training = Training(pair, Settings(batch_size=100, learning_rate=0.5, epochs=1, eval_every=60000))
    training.run()
    snapshot = training.snapshot()
    path = tmp_path / "named.hdf5"
    params.save(path, snapshot.model, snapshot.metadata())
    model, attributes = params.load(path)
    assert params.recorded_class_names(attributes, model.n_classes) == NAMES
    assert params.recorded_class_names({"class_names": json.dumps(["a"] * 3)}, 10) is None
    assert params.recorded_class_names({"class_names": "not json"}, 10) is None
    # The command line names the class it read; --json keeps the index as "digit".
    picture = tmp_path / "seven.png"
    from PIL import Image

    Image.fromarray((mnist.test.rows.dense(np.array([0]))[0].reshape(28, 28) * 255).astype(np.uint8)).save(picture)
    done = subprocess.run([sys.executable, "-m", "app", "predict", str(picture), "--params", str(path)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0 and done.stdout.startswith(f"{picture}: seven ("), done.stdout
    as_json = subprocess.run([sys.executable, "-m", "app", "predict", str(picture), "--params", str(path),
                              "--json"], capture_output=True, text=True, timeout=300)
    result = json.loads(as_json.stdout)[0]
    assert set(result) == {"file", "digit", "class", "probabilities"}
    assert (result["digit"], result["class"]) == (7, "seven")


def test_report_pictures_and_table_use_the_names(tmp_path, mnist_dir):
    import csv

    from app.report import write_report

    pair = data.load_folder(named_folder(tmp_path / "named", mnist_dir))
    training = Training(pair, Settings(batch_size=100, learning_rate=0.5, epochs=1, eval_every=60000))
    last = training.run()
    snapshot = training.snapshot()
    write_report(tmp_path / "report", "named", training.settings, [last], snapshot.model,
                 snapshot.metadata(), pair.test, pair.train.n_samples, b"\x89PNG")
    with open(tmp_path / "report" / "confusion.csv") as f:
        rows = list(csv.reader(f))
    assert rows[0][1:] == list(NAMES) and [row[0] for row in rows[1:]] == list(NAMES)


def test_the_studio_shows_the_names_everywhere(qtbot, tmp_path, mnist_dir, mnist, no_qt_leaks):
    from PySide6.QtCore import QSettings
    from PySide6.QtGui import QImage
    from PySide6.QtWidgets import QApplication

    from app.gui import build_window
    from compute.settings import PRESETS

    window = build_window(named_folder(tmp_path / "named", mnist_dir),
                          store=QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    try:
        window.show()
        qtbot.waitUntil(lambda: window.controller.data is not None, timeout=60_000)
        window.controls.set_settings(PRESETS["seed-minibatch100"])
        window.start_button.click()
        qtbot.waitUntil(lambda: not window.controller.busy and bool(window.controller.runs), timeout=60_000)
        run = window.controller.runs[0]
        assert run.class_names == NAMES
        window.runs.selectRow(0)
        insights = window.insights
        window.tabs.setCurrentWidget(insights)
        assert insights.weights.tiles.captions == list(NAMES)
        insights.views.setCurrentWidget(insights.confusion)
        qtbot.waitUntil(lambda: insights.confusion.confusion is not None, timeout=60_000)
        table = insights.confusion.table
        assert [table.horizontalHeaderItem(k).text() for k in range(11)] == [*NAMES, "recall"]
        assert table.verticalHeaderItem(4).text() == "four"
        table.cellClicked.emit(4, 9)
        qtbot.waitUntil(lambda: insights.confusion.gallery.count() > 0, timeout=60_000)
        assert insights.confusion.gallery.item(0).text().startswith("four → nine")
        assert insights.confusion.gallery_caption.text().startswith("True four, predicted nine")

        draw = window.draw
        window.tabs.setCurrentWidget(draw)
        draw.choose_run(run)
        digit = mnist.test.rows.dense([0])[0].reshape(28, 28)  # a 7
        gray = np.ascontiguousarray((255 - digit * 255).astype(np.uint8))
        QApplication.clipboard().setImage(QImage(gray.data, 28, 28, 28, QImage.Format.Format_Grayscale8).scaled(200, 200))
        draw.canvas.paste()
        qtbot.waitUntil(lambda: draw.view.probabilities is not None, timeout=60_000)
        assert "seven" in draw.view.digit.text()
        axis = draw.view.bars_plot.getAxis("bottom")  # labelled once laid out
        qtbot.waitUntil(lambda: tick_labels(axis) == list(NAMES), timeout=10_000)
    finally:
        window.close()
