"""Past the pixel ceiling: deskewed digits and gradient-orientation histograms, computed
by parallel kernels, chosen by settings, carried in parameter files and applied wherever
a model meets data; on real MNIST."""

import json

import h5py
import numpy as np
import pytest

from compute import kernels
from compute.engine.inputs import PIXELS, Inputs
from compute.settings import PRESETS

from commands import softmax_lab

FEATURES = Inputs(deskew=True, features="gradients")


# ------------------------------------------------------------ the same in numpy


def deskewed_in_numpy(X, side=28):
    """Moment-based deskewing, written plainly: the centre of mass to the centre, the
    shear that zeroes mu11 undone, bilinear resampling."""
    n = X.shape[0]
    images = X.reshape(n, side, side).astype(np.float64)
    r = np.arange(float(side))
    mass = images.sum((1, 2))
    cy = (images.sum(2) * r).sum(1) / mass
    cx = (images.sum(1) * r).sum(1) / mass
    dy, dx = r[None, :, None] - cy[:, None, None], r[None, None, :] - cx[:, None, None]
    alpha = (images * dy * dx).sum((1, 2)) / (images * dy * dy).sum((1, 2))
    rows = np.broadcast_to(r[None, :, None] - side / 2 + cy[:, None, None], (n, side, side))
    cols = r[None, None, :] + alpha[:, None, None] * (r[None, :, None] - side / 2) - side / 2 + cx[:, None, None]
    r0, c0 = np.floor(rows).astype(int), np.floor(cols).astype(int)
    out = np.zeros((n, side, side))
    which = np.arange(n)[:, None, None]
    for dr, wr in ((0, 1 - (rows - r0)), (1, rows - r0)):
        for dc, wc in ((0, 1 - (cols - c0)), (1, cols - c0)):
            rr, cc = r0 + dr, c0 + dc
            inside = (rr >= 0) & (rr < side) & (cc >= 0) & (cc < side)
            out += np.where(inside, images[which, rr.clip(0, side - 1), cc.clip(0, side - 1)] * wr * wc, 0)
    return out.clip(0, 1).reshape(n, side * side)


def histograms_in_numpy(X, side=28, cell=6, stride=3, orientations=8):
    """Gradient-orientation histograms, written plainly."""
    n = X.shape[0]
    padded = np.pad(X.reshape(n, side, side).astype(np.float64), ((0, 0), (1, 1), (1, 1)))
    gx = padded[:, 1:-1, 2:] - padded[:, 1:-1, :-2]
    gy = padded[:, 2:, 1:-1] - padded[:, :-2, 1:-1]
    magnitude = np.hypot(gx, gy)
    position = (np.arctan2(gy, gx) % (2 * np.pi)) / (2 * np.pi) * orientations
    k0 = np.floor(position).astype(int)
    share = position - k0
    votes = np.zeros((n, orientations, side, side))
    i, r, c = np.arange(n)[:, None, None], np.arange(side)[None, :, None], np.arange(side)[None, None, :]
    np.add.at(votes, (i, k0 % orientations, r, c), magnitude * (1 - share))
    np.add.at(votes, (i, (k0 + 1) % orientations, r, c), magnitude * share)
    starts = range(0, side - cell + 1, stride)
    cells = [votes[:, :, a:a + cell, b:b + cell].sum((2, 3)) for a in starts for b in starts]
    return (np.sqrt(np.stack(cells, 1)) / (cell * 2 / 3)).clip(0, 1).reshape(n, -1)


def levels(values):
    """Whether every value is exactly an 8-bit level k/255, as the kernels store them."""
    codes = np.rint(values * 255).astype(int)
    return np.array_equal(kernels.LEVELS_8BIT[codes], values)


def test_the_kernels_compute_what_the_plain_numpy_does(mnist):
    images = mnist.test.rows.dense(np.arange(300))
    deskewed = kernels.deskew(images, 28)
    assert np.abs(deskewed - deskewed_in_numpy(images)).max() <= 0.5 / 255 + 1e-6  # rounding to levels
    assert levels(deskewed)
    histograms = kernels.gradient_histograms(images, 28)
    assert histograms.shape == (300, 512)
    assert np.abs(histograms - histograms_in_numpy(images)).max() <= 0.5 / 255 + 1e-6
    assert levels(histograms) and histograms.max() <= 1
    # A handful of rows (a drawing) take the serial path: the same values.
    assert np.array_equal(kernels.deskew(images[:3], 28), deskewed[:3])
    assert np.array_equal(kernels.gradient_histograms(images[:3], 28), histograms[:3])
    assert kernels.gradient_histograms(images[:2], 28, cell=4, stride=2, orientations=6).shape == (2, 13 * 13 * 6)
    assert FEATURES.n_features(784) == 512 and Inputs(features="gradients", cell=4, stride=2,
                                                      orientations=6).n_features(784) == 13 * 13 * 6


def test_deskewed_digits_stand_upright_in_the_middle(mnist):
    deskewed = kernels.deskew(mnist.test.rows.dense(np.arange(200)), 28).reshape(200, 28, 28).astype(np.float64)
    r = np.arange(28.0)
    mass = deskewed.sum((1, 2))
    cy, cx = (deskewed.sum(2) * r).sum(1) / mass, (deskewed.sum(1) * r).sum(1) / mass
    assert np.abs(cy - 14).max() < 0.6 and np.abs(cx - 14).max() < 0.6
    slant = (deskewed * (r[None, :, None] - cy[:, None, None]) * (r[None, None, :] - cx[:, None, None])).sum((1, 2))
    spread = (deskewed * (r[None, :, None] - cy[:, None, None]) ** 2).sum((1, 2))
    assert np.median(np.abs(slant / spread)) < 0.02  # was the skew; now next to none


@pytest.mark.slow
def test_the_presets_pass_the_pixel_ceiling_and_their_files_carry_their_inputs(mnist_dir, tmp_path):
    results = {}
    for name in ("best-deskewed", "best-features", "best-gradients"):
        saved = tmp_path / f"{name}.hdf5"
        done = softmax_lab("train", "--data", mnist_dir, "--preset", name, "--json", "--quiet",
                           "--no-history", "--save", saved)
        assert done.returncode == 0, done.stderr
        results[name] = json.loads(done.stdout)
        with h5py.File(saved) as f:
            assert Inputs.recorded(dict(f.attrs)) == Inputs.of(PRESETS[name])
            assert f["w"].shape == (10, 784 if name == "best-deskewed" else 512)
        evaluated = softmax_lab("evaluate", "--params", saved, "--data", mnist_dir, "--json")
        assert evaluated.returncode == 0, evaluated.stderr
        assert json.loads(evaluated.stdout)["accuracy"] == results[name]["test_accuracy"]
    assert results["best-deskewed"]["test_accuracy"] >= 0.955
    assert results["best-features"]["test_accuracy"] >= 0.990
    assert results["best-gradients"]["test_accuracy"] >= 0.985  # (for clothes: no deskewing)


def test_a_features_model_reads_a_picture_and_a_file_without_inputs_is_a_pixel_model(mnist, tmp_path):
    from PIL import Image

    from compute.engine import preprocess
    from compute.engine.training import Training
    from compute.storage import params

    training = Training(mnist, PRESETS["best-features"])
    training.run()
    saved = tmp_path / "features.hdf5"
    params.save(saved, training.evaluated.model, training.evaluated.metadata())
    picture = tmp_path / "seven.png"
    Image.fromarray((mnist.test.rows.dense([0]).reshape(28, 28) * 255).astype(np.uint8)).resize((112, 112)).save(picture)
    done = softmax_lab("predict", "--params", saved, picture, "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)[0]["digit"] == 7
    model, attributes = params.load(saved)
    _, probabilities = preprocess.classify(model, preprocess.read_image(picture), Inputs.recorded(attributes))
    assert int(np.argmax(probabilities)) == 7
    with h5py.File(saved, "a") as f:
        del f.attrs["inputs"]
    assert Inputs.recorded(params.load(saved)[1]) == PIXELS
    done = softmax_lab("evaluate", "--params", saved, "--data", mnist.test.source.rsplit("/", 1)[0])
    assert done.returncode == 2 and "'w' has 512 features per class but the data has 784" in done.stderr


def test_the_transformed_data_is_cached_beside_the_rows(mnist, monkeypatch, tmp_path):
    from compute.storage import cache

    monkeypatch.setenv("SOFTMAX_LAB_CACHE", str(tmp_path / "cache"))
    before = set(cache.entries())
    first = FEATURES.dataset(mnist.test)
    made = set(cache.entries()) - before
    assert len(made) == 1  # the test set's gradient histograms
    again = FEATURES.dataset(mnist.test)
    assert np.array_equal(again.rows.values, first.rows.values) and again.rows.compact
    assert again.n_features == 512 and np.array_equal(again.labels, mnist.test.labels)


def test_from_python_and_on_data_that_is_not_images(mnist_arrays_small, tmp_path):
    import softmax_lab as api
    from softmax_lab import SoftmaxRegression

    X_train, y_train, X_test, y_test = mnist_arrays_small
    model = SoftmaxRegression(history=False, deskew=True, features="gradients", epochs=1).fit(X_train, y_train)
    assert model.coef_.shape == (10, 512) and model.n_features_in_ == 784
    pixels = SoftmaxRegression(history=False, epochs=1).fit(X_train, y_train)
    assert model.score(X_test, y_test) > 0.95 > pixels.score(X_test, y_test) + 0.03
    model.save(tmp_path / "m.hdf5")
    loaded = api.load(tmp_path / "m.hdf5")
    assert loaded.inputs_ == FEATURES and loaded.n_features_in_ == 784
    assert np.array_equal(loaded.predict(X_test), model.predict(X_test))
    with pytest.raises(ValueError, match="need square images"):
        SoftmaxRegression(history=False, deskew=True).fit(np.eye(10)[:, :5], np.arange(10) % 2)
    flat = tmp_path / "flat"
    flat.mkdir()
    for name, rows in (("mnist_traindata.hdf5", 40), ("mnist_testdata.hdf5", 10)):
        with h5py.File(flat / name, "w") as f:
            f["xdata"] = np.random.default_rng(0).random((rows, 10), dtype=np.float32)
            f["ydata"] = np.eye(2, dtype=np.float32)[np.arange(rows) % 2]
    done = softmax_lab("train", "--data", flat, "--features", "gradients", "--no-history")
    assert done.returncode == 2 and len(done.stderr.strip().splitlines()) == 1
    assert "need square images" in done.stderr and "10 values a sample" in done.stderr


@pytest.fixture(scope="module")
def mnist_arrays_small(mnist_dir):
    import softmax_lab as api

    X_train, y_train, X_test, y_test = api.load_dataset(mnist_dir)
    return X_train[:15_000], y_train[:15_000], X_test[:3000], y_test[:3000]


@pytest.mark.slow
def test_a_sweep_keeps_inputs_apart(mnist_dir):
    done = softmax_lab("sweep", "--data", mnist_dir, "--features", "pixels,gradients", "--deskew",
                       "--optimizer", "adam", "--learning-rate", "0.02", "--batch-size", "200",
                       "--json", "--quiet", "--no-history")
    assert done.returncode == 0, done.stderr
    runs = {run["settings"]["features"]: run for run in json.loads(done.stdout)["runs"]}
    assert set(runs) == {"pixels", "gradients"} and all(r["settings"]["deskew"] for r in runs.values())
    assert runs["gradients"]["test_accuracy"] > runs["pixels"]["test_accuracy"] > 0.94


@pytest.mark.slow
def test_the_studio_trains_opens_and_reads_drawings_with_features(qtbot, studio, tmp_path):
    from PySide6.QtWidgets import QCheckBox, QComboBox

    from compute.engine.runs import RunStatus
    from ui.draw_tab import DrawTab
    from ui.step_view import StepView, pictures
    from ui.weights_view import Tiles
    from compute.studies.analysis import strokes

    studio.findChild(QComboBox, "presetCombo").setCurrentText("best-features")
    assert studio.findChild(QComboBox, "featuresCombo").currentText() == "gradients"
    assert studio.findChild(QCheckBox, "deskewCheck").isChecked()
    assert studio.controls.settings() == PRESETS["best-features"]
    with qtbot.waitSignal(studio.controller.busyChanged, timeout=60_000):
        studio.start_button.click()
    run = studio.controller.active_run
    qtbot.waitUntil(lambda: not studio.controller.busy, timeout=120_000)
    assert run.last.test_accuracy >= 0.990 and run.model.n_features == 512
    # Its file opens again (File > Open parameters), read with the same inputs.
    path = tmp_path / "features.hdf5"
    with qtbot.waitSignal(studio.controller.fileWritten, timeout=60_000):
        studio.saveParamsRequested.emit(run, str(path))
    studio.loadParamsRequested.emit(str(path))
    qtbot.waitUntil(lambda: len(studio.runs.all_runs()) == 2, timeout=60_000)
    loaded = studio.runs.all_runs()[-1]
    assert loaded.status == RunStatus.LOADED and loaded.last.test_accuracy == run.last.test_accuracy
    assert Inputs.of(loaded.settings) == FEATURES
    draw = studio.findChild(DrawTab)
    draw.choose_run(run)
    seven = (studio.controller.data.test.rows.dense([0]).reshape(28, 28) * 255).astype(np.uint8)
    draw.canvas.set_picture_array(seven)
    qtbot.waitUntil(lambda: draw.view.probabilities is not None, timeout=10_000)
    assert int(np.argmax(draw.view.probabilities)) == 7
    why = draw.evidence.evidence  # each of the 8 x 8 cells' evidence for the top three classes
    assert why.classes[0] == 7 and why.maps.shape == (3, 64) and "per cell" in draw.evidence.title.text()
    assert np.allclose(why.maps.sum(axis=1) + why.bias, why.logits)
    assert draw.view.preview_caption.text() == "model input, deskewed"
    # Taught and fine-tuned as a features model: the fine-tune reads the same inputs.
    from PySide6.QtWidgets import QPushButton

    from compute.storage import my_digits

    draw.findChild(QPushButton, "teachButton").click()
    qtbot.waitUntil(lambda: len(draw.my_digits) == 1, timeout=10_000)
    with qtbot.waitSignal(studio.controller.fineTuned, timeout=120_000) as done:
        draw.findChild(QPushButton, "fineTuneButton").click()
    tuned, before, after, _, test_after = done.args
    assert Inputs.of(tuned.settings) == FEATURES and tuned.model.n_features == 512
    assert after >= before and test_after > 0.9 and len(my_digits.load()) == 1  # (forgetting shows)
    # Inside the model: the strokes each class looks for; the confusion and its gallery
    # measured on what the model reads, the gallery showing the digits themselves.
    from ui.insights_tab import _evaluate, _examples
    from ui.weights_view import WeightsView

    weights = studio.findChild(WeightsView)
    weights.set_model(run.model, run.name, run.class_names, Inputs.of(run.settings))
    assert weights.pages.currentWidget() is weights.tiles and len(weights.tiles.pictures) == 10
    assert "strokes each class looks for" in weights.caption.text()
    test = studio.controller.data.test
    _, evaluation = _evaluate(0, run.model, test, FEATURES)
    assert evaluation.accuracy == run.last.test_accuracy
    _, images, labels, predicted, _ = _examples(0, run.model, test, FEATURES, None, None)
    assert images.shape[1] == 784 and (labels != predicted).all()
    # Step by step on the features model: the batch as it reads it, the digits shown.
    step = studio.findChild(StepView)
    step.run = run
    step.reset()
    assert step.stepper is not None and "reading deskewed, then gradient histograms" in step.source.text()
    step.take(1)
    qtbot.waitUntil(lambda: step.record is not None and not step.busy, timeout=60_000)
    assert step.record.X.shape[1] == 512 and step.record.grad_w.shape == (10, 512)
    assert step.record.loss_after < step.record.loss_before + 0.5 and len(step.batch.pictures) > 0
    # ... and each example's feature vector, the gradient and the weights as strokes
    shown = min(len(step.record.rows), 16)
    features = step.findChild(Tiles, "stepFeaturesView")
    assert not features.isHidden() and len(features.pictures) == shown
    for name in ("gradientView", "stepWeightsBefore", "stepWeightsAfter"):
        tiles = step.findChild(Tiles, name)
        assert len(tiles.pictures) == 10 and tiles.pictures[0].width() == 28 * 4
    drawn = pictures(step.record, FEATURES, 28)
    np.testing.assert_array_equal(drawn["features"],
                                  strokes(step.record.X[:shown], FEATURES, scale=4, signed=True))


def test_a_gradient_weight_is_drawn_as_the_edge_its_direction_crosses():
    from compute.storage.params import Model
    from compute.studies.analysis import stroke_images

    weights = np.zeros((2, 8 * 8 * 8))
    weights[0, (3 * 8 + 4) * 8 + 0] = 1.0  # class 0: cell (3, 4), gradients pointing right
    weights[1, (3 * 8 + 4) * 8 + 2] = 1.0  # class 1: the same cell, gradients pointing down
    strokes = stroke_images(Model(weights, np.zeros(2)), FEATURES)
    assert strokes.shape == (2, 224, 224) and strokes.min() == 0 and strokes.max() == 1
    ys, xs = np.nonzero(strokes[0])
    assert np.ptp(ys) > 4 * np.ptp(xs)  # a vertical edge: ink from left to right
    assert abs(xs.mean() - (4 * 3 + 3) * 8) < 2 and abs(ys.mean() - (3 * 3 + 3) * 8) < 2
    ys, xs = np.nonzero(strokes[1])
    assert np.ptp(xs) > 4 * np.ptp(ys)  # a horizontal edge


def test_signed_strokes_draw_a_gradient_below_zero_as_negative_strokes():
    from compute.studies.analysis import strokes

    values = np.zeros((1, 8 * 8 * 8))
    values[0, (1 * 8 + 1) * 8 + 0] = 0.5  # cell (1, 1): raised
    values[0, (6 * 8 + 6) * 8 + 2] = -2.0  # cell (6, 6): lowered, more
    drawn = strokes(values, FEATURES, signed=True)[0]
    assert drawn.max() == 0.5 and drawn.min() == -2.0
    assert drawn[(1 * 3 + 3) * 8, (1 * 3 + 3) * 8] == 0.5 and drawn[(6 * 3 + 3) * 8, (6 * 3 + 3) * 8] == -2.0
    assert (strokes(values, FEATURES)[0] >= 0).all()  # unsigned: below zero is not drawn


def test_a_features_file_that_does_not_know_its_image_size_still_loads(tmp_path):
    """A run restored from the history does not know its images' size: its file says
    nothing of it (older ones said 512, the features' count), and loads as MNIST's."""
    import softmax_lab as api
    from compute.engine.points import Snapshot
    from compute.settings import Settings
    from compute.storage import params
    from compute.storage.params import Model

    model = Model(np.zeros((10, 512)), np.zeros(10))
    snapshot = Snapshot(Settings(deskew=True, features="gradients"), model, None, 0, 0, 0.0, 0.1,
                        0.0, 0.0, 1)
    assert "image_pixels" not in snapshot.metadata()
    for extra in ({}, {"image_pixels": 512}):
        params.save(tmp_path / "f.hdf5", model, {**snapshot.metadata(), **extra})
        loaded = api.load(tmp_path / "f.hdf5")
        assert loaded.inputs_ == FEATURES and loaded.n_features_in_ == 784
