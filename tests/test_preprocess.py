"""MNIST-style preprocessing, checked against MNIST itself and against awkward pictures."""

import json
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from app.resources import BUNDLED_PIXELS
from compute import kernels
from compute.engine import metrics
from compute.storage import params
from compute.engine.preprocess import SIDE, grayscale, read_image, to_model_input
from compute.storage.data import DataError


@pytest.fixture(scope="module")
def bundled():
    model, _ = params.load(BUNDLED_PIXELS)
    return model


def predict(model, features):
    return kernels.probabilities(model.packed(), features, model.n_classes).argmax(axis=1)


def test_bundled_weights_are_a_good_mnist_model(bundled, mnist):
    assert metrics.evaluate(bundled, mnist.test).accuracy >= 0.92


def test_drawn_large_anywhere_classifies_as_well_as_the_original(bundled, mnist):
    rng = np.random.default_rng(0)
    picks = rng.choice(mnist.test.n_samples, 400, replace=False)
    originals = mnist.test.rows.dense(picks)
    labels = mnist.test.labels[picks]
    prepared = []
    for i, digit in enumerate(originals):
        size = int(rng.integers(60, 260))
        big = Image.fromarray((digit.reshape(SIDE, SIDE) * 255).astype(np.uint8)).resize(
            (size, size), Image.Resampling.BILINEAR)
        canvas = np.zeros((280, 280), np.uint8)
        top, left = rng.integers(0, 280 - size + 1, 2)
        canvas[top:top + size, left:left + size] = np.asarray(big)
        if i % 2:
            canvas = 255 - canvas  # dark ink on light paper
        result = to_model_input(canvas)
        assert not result.empty and result.inverted == bool(i % 2)
        prepared.append(result.features)
    original_accuracy = (predict(bundled, originals) == labels).mean()
    prepared_accuracy = (predict(bundled, np.array(prepared)) == labels).mean()
    assert prepared_accuracy >= original_accuracy - 0.02, (original_accuracy, prepared_accuracy)


def test_output_is_a_centred_20_pixel_digit_in_0_1():
    canvas = np.full((300, 200), 255, np.uint8)
    canvas[40:260, 90:110] = 0  # a tall dark bar on white: a "1"
    result = to_model_input(canvas)
    pixels = result.pixels
    assert pixels.shape == (28, 28) and pixels.dtype == np.float32
    assert 0.0 <= pixels.min() and pixels.max() == pytest.approx(1.0)
    rows = np.flatnonzero(pixels.max(axis=1) > 0.1)
    assert rows[-1] - rows[0] + 1 in (20, 21)  # longer side 20 px (plus antialiasing)
    ys, xs = np.indices(pixels.shape)
    assert (ys * pixels).sum() / pixels.sum() == pytest.approx(14, abs=0.5)  # where MNIST's are
    assert (xs * pixels).sum() / pixels.sum() == pytest.approx(14, abs=0.5)


def test_colour_and_alpha_pictures():
    rgb = np.zeros((100, 100, 3), np.uint8)
    rgb[:] = (250, 240, 200)  # cream paper
    rgb[20:80, 45:55] = (20, 30, 160)  # blue ink
    colour = to_model_input(rgb)
    assert not colour.empty and colour.inverted
    rgba = np.zeros((100, 100, 4), np.uint8)  # transparent: white once composited
    rgba[20:80, 45:55] = (0, 0, 0, 255)
    clear = to_model_input(rgba)
    assert not clear.empty and clear.inverted
    np.testing.assert_allclose(colour.pixels, clear.pixels, atol=0.05)
    assert grayscale(rgba)[0, 0] == 1.0


@pytest.mark.parametrize("picture", [
    np.full((280, 280), 255, np.uint8),        # an empty white canvas
    np.zeros((280, 280), np.uint8),            # all black
    np.full((50, 50, 4), 0, np.uint8),         # fully transparent
    np.zeros((0, 0), np.uint8),                # no pixels at all
])
def test_nothing_to_classify_is_reported_as_empty(picture):
    result = to_model_input(picture)
    assert result.empty and not result.pixels.any()


def test_a_tiny_dot_and_faint_noise_do_not_crash():
    dot = np.full((280, 280), 255, np.uint8)
    dot[140, 140] = 0
    result = to_model_input(dot)
    assert not result.empty and result.pixels.max() == 1.0
    noise = np.random.default_rng(1).integers(235, 256, (280, 280)).astype(np.uint8)
    assert to_model_input(noise).empty  # paper grain alone is not a digit
    noise[100:200, 130:150] = 0
    assert not to_model_input(noise).empty


def test_unreadable_files_name_the_file(tmp_path):
    bad = tmp_path / "not-a-picture.png"
    bad.write_text("hello")
    with pytest.raises(DataError, match="not-a-picture.png: not an image"):
        read_image(bad)
    with pytest.raises(DataError, match="no such file"):
        read_image(tmp_path / "gone.png")


def test_predict_command(tmp_path, mnist):
    files = []
    for i in range(3):
        digit = mnist.test.rows.dense([i])[0].reshape(SIDE, SIDE)
        path = tmp_path / f"digit{i}.png"
        Image.fromarray((255 - digit * 255).astype(np.uint8)).resize((140, 140)).save(path)
        files.append(path)
    blank = tmp_path / "blank.png"
    Image.new("L", (64, 64), 255).save(blank)
    broken = tmp_path / "broken.png"
    broken.write_text("nope")
    done = subprocess.run([sys.executable, "-m", "app", "predict", *map(str, files), str(blank),
                           str(broken), "--json"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 2
    assert "broken.png: not an image" in done.stderr and "Traceback" not in done.stderr
    results = json.loads(done.stdout)
    assert [r["digit"] for r in results[:3]] == mnist.test.labels[:3].tolist()
    assert [r["class"] for r in results[:3]] == [str(label) for label in mnist.test.labels[:3]]
    assert all(abs(sum(r["probabilities"]) - 1) < 1e-4 for r in results[:3])
    assert results[3] == {"file": str(blank), "digit": None, "class": None, "probabilities": None}
    human = subprocess.run([sys.executable, "-m", "app", "predict", str(files[0])],
                           capture_output=True, text=True, timeout=300)
    assert human.returncode == 0 and human.stdout.startswith(f"{files[0]}: 7 (")
