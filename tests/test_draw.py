"""The drawing tab: real mouse events on the canvas, real weights, real worker threads."""

import os

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import QApplication, QComboBox

from app.controller.jobs import run_in_background
from app.gui import bundled_models
from app.selftest import stroke
from compute.engine.runs import Run, RunStatus
from compute.engine.training import Training
from compute.settings import PRESETS
from ui.draw_tab import DrawTab

WAIT_MS = 30_000


SEVEN = [[(0.25, 0.2), (0.75, 0.2), (0.45, 0.85)]]
ONE = [[(0.5, 0.15), (0.5, 0.85)]]


@pytest.fixture
def tab(qtbot, no_qt_leaks):
    tab = DrawTab(bundled_models(), run_in_background)
    tab.resize(900, 500)
    tab.show()
    qtbot.waitExposed(tab)
    yield tab
    tab.close()


def wait_for_digit(qtbot, tab):
    qtbot.waitUntil(lambda: tab.view.probabilities is not None, timeout=WAIT_MS)
    return int(np.argmax(tab.view.probabilities))


def test_empty_canvas_asks_for_a_digit(tab):
    assert tab.canvas.is_empty
    assert "draw a digit" in tab.view.digit.text()
    assert tab.view.probabilities is None


def test_drawing_strokes_gives_a_prediction_and_a_preview(qtbot, tab):
    for line in SEVEN:
        stroke(tab.canvas, line)
    assert wait_for_digit(qtbot, tab) == 7
    assert tab.view.probabilities.sum() == pytest.approx(1.0)
    preview = tab.view.preview.pixmap().toImage()
    assert not preview.isNull() and preview.width() == 140
    pixels = tab.canvas.pixels()
    assert pixels.shape == (280, 280) and pixels.min() < 60 and np.median(pixels) > 200


def test_the_best_shipped_model_is_the_default_and_the_pixel_model_a_choice(qtbot, tab):
    from app.gui import BUNDLED_LABELS, read_bundled
    from compute.storage import params
    from app.resources import BUNDLED_BEST, BUNDLED_PIXELS

    box = tab.findChild(QComboBox, "modelCombo")
    assert [box.itemText(i) for i in range(box.count())] == list(BUNDLED_LABELS.values())
    for key, path in (("best", BUNDLED_BEST), ("pixels", BUNDLED_PIXELS)):
        recorded = params.load(path)[1]["test_accuracy"]  # the label says the file's figure
        assert f"{recorded:.1%}" in BUNDLED_LABELS[key]
    assert box.currentIndex() == 0 and tab.current_inputs() == read_bundled("best")[1]
    assert tab.current_inputs().deskew and tab.current_inputs().features == "gradients"
    assert tab.current_model().n_features == 512
    for line in SEVEN:
        stroke(tab.canvas, line)
    assert wait_for_digit(qtbot, tab) == 7
    assert tab.evidence.isVisible()  # each cell's evidence, for a gradient model
    tab.view.probabilities = None
    box.setCurrentIndex(1)
    assert tab.current_inputs().pixels and tab.current_model().n_features == 784
    assert wait_for_digit(qtbot, tab) == 7


def test_strokes_are_sharp_on_a_screen_of_twice_the_pixels(qtbot, tab):
    """At a scale factor of 2 (QT_SCALE_FACTOR=2, a HiDPI screen) Qt paints the canvas at
    two device pixels a point. The strokes are drawn at that resolution: scaling up the
    280-pixel image the model reads made stair steps, with about 3 of 4 device rows across
    an edge a copy of the row above."""
    stroke(tab.canvas, SEVEN[0])
    wait_for_digit(qtbot, tab)
    picture = QPixmap(tab.canvas.size() * 2)
    picture.setDevicePixelRatio(2)
    tab.canvas.render(picture)  # (what Qt's backing store does at a scale factor of 2)
    image = picture.toImage().convertToFormat(QImage.Format.Format_Grayscale8)
    rows = np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), image.bytesPerLine())
    rows = rows[:, :image.width()].astype(int)
    edge = ((rows > 60) & (rows < 200)).any(axis=1)[1:]  # rows that cross a stroke's edge
    repeated = (rows[1:] == rows[:-1]).all(axis=1) & edge
    assert edge.sum() > 200 and repeated.sum() / edge.sum() < 0.4, (repeated.sum(), edge.sum())


def test_clear_and_undo(qtbot, tab):
    stroke(tab.canvas, ONE[0])
    assert wait_for_digit(qtbot, tab) == 1
    stroke(tab.canvas, [(0.3, 0.3), (0.7, 0.3)])
    tab.view.probabilities = None  # wait for the answer to the drawing after undo
    tab.canvas.undo()
    assert wait_for_digit(qtbot, tab) == 1
    tab.canvas.setFocus()
    qtbot.keyClick(tab.canvas, Qt.Key.Key_Escape)
    assert tab.canvas.is_empty
    qtbot.waitUntil(lambda: tab.view.probabilities is None, timeout=WAIT_MS)
    assert "draw a digit" in tab.view.digit.text()
    stroke(tab.canvas, ONE[0])
    wait_for_digit(qtbot, tab)
    qtbot.keyClick(tab.canvas, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert tab.canvas.is_empty


def test_switching_the_model_updates_the_prediction(qtbot, tab, mnist):
    for line in SEVEN:
        stroke(tab.canvas, line)
    wait_for_digit(qtbot, tab)
    bundled = tab.view.probabilities.copy()
    run = Run(1, "Run 1", "#1f77b4", PRESETS["seed-sgd1"])
    training = Training(mnist, run.settings)
    run.publish(training.snapshot())
    tab.add_run(run)
    training.run()
    run.publish(training.snapshot())
    run.status = RunStatus.FINISHED
    tab.update_run(run)
    tab.choose_run(run)
    qtbot.waitUntil(lambda: tab.view.probabilities is not None
                    and not np.allclose(tab.view.probabilities, bundled), timeout=WAIT_MS)
    assert tab.model_box.currentText() == run.name
    run.name = "sgd, batch 1"
    tab.update_run(run)
    assert tab.model_box.currentText() == "sgd, batch 1"
    tab.remove_run(run)
    assert tab.model_box.findData(run.id) == -1


def test_a_late_answer_for_an_old_drawing_is_dropped(qtbot, tab):
    stroke(tab.canvas, ONE[0])
    wait_for_digit(qtbot, tab)
    stale = (tab.generation - 1, None, np.eye(10)[3], None, None)
    tab.show_answer(stale)
    assert int(np.argmax(tab.view.probabilities)) == 1


def test_a_dropped_or_pasted_picture_is_classified(qtbot, tab, mnist):
    digit = mnist.test.rows.dense([0])[0].reshape(28, 28)  # a 7
    gray = np.ascontiguousarray((255 - digit * 255).astype(np.uint8))
    image = QImage(gray.data, 28, 28, 28, QImage.Format.Format_Grayscale8).scaled(200, 200)
    QApplication.clipboard().setImage(image)
    tab.canvas.paste()
    assert not tab.canvas.is_empty
    assert wait_for_digit(qtbot, tab) == 7


def test_dropping_an_image_file_classifies_it_and_a_bad_file_says_so(qtbot, tab, mnist, tmp_path):
    from PIL import Image
    from PySide6.QtCore import QMimeData, QUrl
    from PySide6.QtGui import QDropEvent

    digit = mnist.test.rows.dense([1])[0].reshape(28, 28)  # a 2
    picture = tmp_path / "two.png"
    Image.fromarray((255 - digit * 255).astype(np.uint8)).resize((150, 150)).save(picture)
    broken = tmp_path / "broken.png"
    broken.write_text("not a picture")
    eps = tmp_path / "drawing.png"  # PostScript: would run an external interpreter
    eps.write_bytes(b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\nshowpage\n")
    huge = tmp_path / "huge.png"
    Image.new("L", (6000, 6000), 255).save(huge)
    fifo = tmp_path / "x.png"  # once left a worker blocked forever
    os.mkfifo(fifo)

    def drop(path):
        data = QMimeData()
        data.setUrls([QUrl.fromLocalFile(str(path))])
        event = QDropEvent(QPointF(50, 50), Qt.DropAction.CopyAction, data,
                           Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
        tab.canvas.dropEvent(event)

    drop(picture)
    assert wait_for_digit(qtbot, tab) == 2
    for path, words in ((broken, "not an image in a format read here"),
                        (eps, "not an image in a format read here"),
                        (huge, "6000x6000 pixels is too large"),
                        (fifo, "is not a regular file")):
        drop(path)
        qtbot.waitUntil(lambda: path.name in tab.status.text(), timeout=10_000)
        assert words in tab.status.text()
    drop(picture)  # and it still works
    qtbot.waitUntil(lambda: tab.status.text() == "", timeout=10_000)
    assert wait_for_digit(qtbot, tab) == 2


@pytest.mark.parametrize("shipped", ["best", "pixels"])
def test_why_this_digit_the_evidence_adds_up_to_the_logits(qtbot, tab, shipped):
    from compute.engine import preprocess

    tab.model_box.setCurrentIndex(tab.model_box.findData(f"bundled:{shipped}"))
    for line in SEVEN:
        stroke(tab.canvas, line)
    assert wait_for_digit(qtbot, tab) == 7
    view = tab.findChild(type(tab.evidence), "evidenceView")
    qtbot.waitUntil(lambda: view.evidence is not None, timeout=WAIT_MS)
    why = view.evidence
    model, inputs = tab.current_model(), tab.current_inputs()
    prepared = preprocess.to_model_input(tab.canvas.pixels())
    seen = inputs.dense(prepared.features).reshape(-1)  # the pixels, or their cells' histograms
    logits = model.weights @ seen.astype(np.float64) + model.bias
    assert why.classes[0] == 7 and list(why.classes) == list(np.argsort(-logits)[:3])
    # Each map, summed with the bias, is the logit the model gave that class ...
    np.testing.assert_allclose(why.maps.sum(axis=1) + why.bias, logits[list(why.classes)], rtol=1e-12)
    # ... and the captions say so with the figures shown.
    first = view.captions[0].text()
    assert first.startswith(f"<b>7</b>: logit {logits[7]:.2f}<br>= {why.maps[0].sum():.2f} evidence")
    assert f"{why.bias[0]:+.2f} bias" in first
    assert not view.tiles[0].pixmap().isNull() and view.tiles[0].pixmap().width() == 70
    tab.canvas.clear()
    qtbot.waitUntil(lambda: view.evidence is None, timeout=WAIT_MS)
