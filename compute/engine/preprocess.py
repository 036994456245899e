"""Turn any picture of a digit into what an MNIST model expects (Qt-free).

The MNIST recipe (LeCun et al.): digits were "size normalized to fit in a 20x20 pixel
box while preserving their aspect ratio ... centered in a 28x28 image by computing the
center of mass of the pixels". :func:`to_model_input` does the same to a drawing, a
photo or a scan: composite alpha onto white, detect polarity (dark ink on light paper is
inverted to MNIST's light ink on black), drop the background level, crop to the ink,
resize the longer side to 20 px with antialiasing, centre by centre of mass in 28x28,
and scale to [0, 1].
"""

import struct
from dataclasses import dataclass

import numpy as np
from PIL import Image, PngImagePlugin, UnidentifiedImageError

from ..errors import DataError
from ..storage.files import require_file

SIDE = 28
BOX = 20
CENTRE = SIDE // 2
#: Ink fainter than this fraction of the strongest ink is treated as background.
INK_THRESHOLD = 0.1


@dataclass
class Prepared:
    """A picture ready for the model.

    Attributes
    ----------
    pixels : ndarray of float32, shape (28, 28)
        Values in [0, 1], MNIST polarity (ink bright).
    empty : bool
        No ink was found: there is nothing to classify.
    inverted : bool
        The picture was dark ink on light paper.
    """

    pixels: np.ndarray
    empty: bool
    inverted: bool

    @property
    def features(self):
        return self.pixels.reshape(-1)


def grayscale(image):
    """A 2-D float array in [0, 1] from gray, RGB or RGBA data (uint8 or float).

    Alpha is composited onto white, the way a transparent drawing looks on paper.
    """
    array = np.asarray(image)
    if array.dtype == np.uint8:
        array = array.astype(np.float32) / 255.0
    else:
        array = array.astype(np.float32)
        if array.size and array.max() > 1.0:
            array = array / 255.0
    if array.ndim == 2:
        return np.clip(array, 0.0, 1.0)
    if array.ndim != 3 or array.shape[2] not in (1, 2, 3, 4):
        raise ValueError(f"expected a gray, RGB or RGBA image, got shape {array.shape}")
    channels = array.shape[2]
    alpha = array[..., -1] if channels in (2, 4) else None
    color = array[..., :3] if channels >= 3 else array[..., :1]
    gray = color @ np.array([0.299, 0.587, 0.114], dtype=np.float32) if channels >= 3 else color[..., 0]
    if alpha is not None:
        gray = gray * alpha + (1.0 - alpha)
    return np.clip(gray, 0.0, 1.0)


def to_model_input(image):
    """Prepare a picture of one digit for a 28x28 MNIST model.

    Parameters
    ----------
    image : array_like
        Gray (H, W), RGB (H, W, 3) or RGBA (H, W, 4); uint8 0..255 or floats in [0, 1].

    Returns
    -------
    Prepared
    """
    gray = grayscale(image)
    if gray.size == 0:
        return Prepared(np.zeros((SIDE, SIDE), np.float32), True, False)
    border = np.concatenate([gray[0], gray[-1], gray[:, 0], gray[:, -1]])
    inverted = bool(np.median(border) > 0.5)
    ink = 1.0 - gray if inverted else gray
    background = float(np.median(1.0 - border if inverted else border))
    ink = np.clip(ink - background, 0.0, None)
    strongest = float(ink.max())
    if strongest <= 0.05:
        return Prepared(np.zeros((SIDE, SIDE), np.float32), True, inverted)
    ink = ink / strongest
    ink[ink < INK_THRESHOLD] = 0.0
    rows = np.flatnonzero(ink.any(axis=1))
    cols = np.flatnonzero(ink.any(axis=0))
    ink = ink[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]
    height, width = ink.shape
    scale = BOX / max(height, width)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    # Pillow's bilinear filter widens its support when it shrinks, so it antialiases;
    # Lanczos overshot, and scaling its peak to 1 dimmed the strokes (round-trip test on
    # MNIST: 88.8% against 91.3% with bilinear, originals 92.5%).
    boxed = np.asarray(Image.fromarray(ink.astype(np.float32)).resize(size, Image.Resampling.BILINEAR))
    boxed = np.clip(boxed, 0.0, None)
    out = np.zeros((SIDE, SIDE), np.float32)
    total = float(boxed.sum())
    if total <= 0:
        return Prepared(out, True, inverted)
    ys, xs = np.indices(boxed.shape)
    center_y = float((ys * boxed).sum() / total)
    center_x = float((xs * boxed).sum() / total)
    # MNIST's centres of mass sit at (14, 14) in 0-based pixel indices (measured over
    # its test set: 13.98, 13.99), not at the geometric centre 13.5.
    top = int(round(CENTRE - center_y))
    left = int(round(CENTRE - center_x))
    _paste(out, boxed, top, left)
    peak = float(out.max())
    if peak > 0:
        out /= peak
    return Prepared(np.clip(out, 0.0, 1.0), False, inverted)


def classify(model, picture, inputs=None):
    """Prepare ``picture`` and classify it with ``model`` (a :class:`compute.storage.params.Model`
    reading ``inputs``, default pixels: see :mod:`compute.engine.inputs`).

    Returns
    -------
    (Prepared, ndarray or None)
        The model's input, and the K class probabilities (None for an empty picture).
    """
    from ..kernels import probabilities
    from .inputs import PIXELS

    inputs = inputs or PIXELS
    if model.n_features != inputs.n_features(SIDE * SIDE):
        raise ValueError(f"the model has {model.n_features} features per class; pictures need a "
                         f"{SIDE}x{SIDE} model ({inputs.n_features(SIDE * SIDE)} values of "
                         f"{inputs.describe()})")
    prepared = to_model_input(picture)
    if prepared.empty:
        return prepared, None
    features = inputs.dense(prepared.features)
    return prepared, probabilities(model.packed(), features, model.n_classes)[0]


def _paste(out, patch, top, left):
    """Copy ``patch`` into ``out`` at (top, left), clipping what falls outside."""
    y0, x0 = max(top, 0), max(left, 0)
    y1 = min(top + patch.shape[0], out.shape[0])
    x1 = min(left + patch.shape[1], out.shape[1])
    if y1 > y0 and x1 > x0:
        out[y0:y1, x0:x1] = patch[y0 - top:y1 - top, x0 - left:x1 - left]


#: Formats Pillow decodes itself. Others (EPS, say) would hand the file to an external
#: program: never for a file someone gives us.
RASTER_FORMATS = ("PNG", "JPEG", "BMP", "GIF", "TIFF", "WEBP")
#: A picture of one digit needs far fewer pixels; more is refused before decoding.
MAX_PIXELS = 25_000_000
#: A PNG's compressed text and colour-profile chunks are never needed to read a digit:
#: each may expand to at most 256 KB, and all of them to 1 MB (Pillow's defaults, 1 MB and
#: 64 MB, let a 4 MB file make minutes of work), else the file gets its own error line.
PngImagePlugin.MAX_TEXT_CHUNK = 256 * 1024
PngImagePlugin.MAX_TEXT_MEMORY = 1024 * 1024


def read_image(path):
    """Read an image file as an array (gray, RGB or RGBA), or raise :class:`DataError`.

    Only :data:`RASTER_FORMATS`, and at most :data:`MAX_PIXELS` pixels.
    """
    path = require_file(path, "a picture")
    try:
        with Image.open(path, formats=RASTER_FORMATS) as picture:
            if picture.width * picture.height > MAX_PIXELS:
                raise DataError(f"{path}: {picture.width}x{picture.height} pixels is too large for "
                                f"a picture of a digit (at most {MAX_PIXELS:,} pixels)")
            picture.load()
            if picture.mode not in ("L", "RGB", "RGBA", "LA"):
                picture = picture.convert("RGBA" if "A" in picture.getbands() else "RGB")
            return np.asarray(picture)
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, ValueError,
            SyntaxError, EOFError, struct.error) as error:
        # Pillow says a damaged chunk with SyntaxError, a metadata bomb with ValueError.
        reason = (f"not an image in a format read here ({', '.join(RASTER_FORMATS)})"
                  if isinstance(error, UnidentifiedImageError) else str(error) or type(error).__name__)
        raise DataError(f"{path}: {reason}") from None
