"""Input transforms of square images, computed once for a whole data set: deskewing and
gradient-orientation histograms (the inputs that take a linear model past the pixels'
ceiling, issue #28).

Both take dense rows of ``side * side`` pixels in [0, 1] and write rows whose values are
exactly 8-bit levels k/255 (:data:`~.layout.LEVELS_8BIT`), so that :func:`~.layout.sparse_rows`
stores them as compact codes, 3 bytes a non-zero, like the pixels themselves.

* :func:`deskew` moves each image's centre of mass to the centre and undoes its slant
  (the shear that makes its second moment ``mu11`` zero), by bilinear resampling: the
  moment-based deskewing of LeCun et al.'s MNIST table.
* :func:`gradient_histograms`: central-difference gradients; each pixel votes its
  gradient's magnitude into the two nearest of ``orientations`` signed directions
  (0..2π), over square cells of ``cell`` pixels every ``stride`` pixels; each cell's
  votes are square-rooted, divided by 2/3 of the cell's size and clipped at 1. (On
  MNIST the square root reaches 3.86 in 6-pixel cells, 0.97 of that; dividing by the
  largest possible value, 7.1, left coarser 8-bit steps and cost 0.15 points of test
  accuracy.) For 28x28 images, cells of 6 every 3 and 8 orientations: 8 x 8 x 8 = 512.

Parallel over images; each image is one serial core.
"""

import math

import numpy as np
from numba import prange

from .config import PARALLEL_LOCK, jit


@jit(inline=True)
def _level(value):
    """``value`` in [0, 1] as the nearest 8-bit level, exactly as LEVELS_8BIT holds it."""
    code = math.floor(min(max(value, 0.0), 1.0) * 255.0 + 0.5)
    return np.float32(code * (1.0 / 255.0))


@jit
def _deskew_one(image, side, out):
    mass = 0.0
    row_sum = 0.0
    col_sum = 0.0
    for r in range(side):
        for c in range(side):
            v = np.float64(image[r * side + c])
            mass += v
            row_sum += v * r
            col_sum += v * c
    if mass <= 0.0:
        for p in range(side * side):
            out[p] = 0.0
        return
    cy = row_sum / mass
    cx = col_sum / mass
    mu11 = 0.0
    mu02 = 0.0
    for r in range(side):
        for c in range(side):
            v = np.float64(image[r * side + c])
            mu11 += v * (r - cy) * (c - cx)
            mu02 += v * (r - cy) * (r - cy)
    alpha = mu11 / mu02 if mu02 > 1e-12 else 0.0
    centre = side / 2.0
    for r in range(side):
        source_r = r - centre + cy
        r0 = math.floor(source_r)
        fr = source_r - r0
        for c in range(side):
            source_c = c + alpha * (r - centre) - centre + cx
            c0 = math.floor(source_c)
            fc = source_c - c0
            total = 0.0
            for dr in range(2):
                rr = r0 + dr
                if rr < 0 or rr >= side:
                    continue
                wr = fr if dr else 1.0 - fr
                for dc in range(2):
                    cc = c0 + dc
                    if cc < 0 or cc >= side:
                        continue
                    wc = fc if dc else 1.0 - fc
                    total += wr * wc * np.float64(image[rr * side + cc])
            out[r * side + c] = _level(total)


@jit(parallel=True)
def _deskew_rows(X, side, out):
    for i in prange(X.shape[0]):
        _deskew_one(X[i], side, out[i])


@jit
def _deskew_few(X, side, out):
    for i in range(X.shape[0]):
        _deskew_one(X[i], side, out[i])


#: Up to this many rows (a drawing, a few pictures) are transformed on the calling
#: thread, never waiting for a parallel kernel that a training thread may be running.
FEW = 16


def deskew(X, side):
    """Deskewed copies of the rows of ``X`` (n, side * side), float32, values k/255."""
    X = np.ascontiguousarray(X, dtype=np.float32)
    out = np.empty(X.shape, dtype=np.float32)
    if X.shape[0] <= FEW:
        _deskew_few(X, side, out)
        return out
    with PARALLEL_LOCK:
        _deskew_rows(X, side, out)
    return out


def cells_across(side, cell, stride):
    """Cells along each side of the image: at 0, stride, ... while they fit."""
    return (side - cell) // stride + 1


@jit
def _histograms_one(image, side, cell, stride, orientations, votes, out):
    # votes[k, r + 1, c + 1]: the sum of orientation k's votes above and left of (r, c)
    # (an integral image per orientation), so that each cell is four look-ups.
    votes[:] = 0.0
    for r in range(side):
        for c in range(side):
            right = image[r * side + c + 1] if c + 1 < side else 0.0
            left = image[r * side + c - 1] if c > 0 else 0.0
            down = image[(r + 1) * side + c] if r + 1 < side else 0.0
            up = image[(r - 1) * side + c] if r > 0 else 0.0
            gx = np.float64(right) - np.float64(left)
            gy = np.float64(down) - np.float64(up)
            magnitude = math.sqrt(gx * gx + gy * gy)
            if magnitude > 0.0:
                angle = math.atan2(gy, gx)
                if angle < 0.0:
                    angle += 2.0 * math.pi
                position = angle / (2.0 * math.pi) * orientations
                k0 = int(math.floor(position))
                share = position - k0
                k0 = k0 % orientations
                votes[k0, r + 1, c + 1] += magnitude * (1.0 - share)
                votes[(k0 + 1) % orientations, r + 1, c + 1] += magnitude * share
    for k in range(orientations):
        for r in range(1, side + 1):
            for c in range(1, side + 1):
                votes[k, r, c] += votes[k, r - 1, c] + votes[k, r, c - 1] - votes[k, r - 1, c - 1]
    across = (side - cell) // stride + 1
    scale = cell * 2.0 / 3.0
    p = 0
    for a in range(across):
        top = a * stride
        for b in range(across):
            left = b * stride
            for k in range(orientations):
                total = (votes[k, top + cell, left + cell] - votes[k, top, left + cell]
                         - votes[k, top + cell, left] + votes[k, top, left])
                out[p] = _level(math.sqrt(max(total, 0.0)) / scale)
                p += 1


@jit(parallel=True)
def _histograms_rows(X, side, cell, stride, orientations, out):
    for i in prange(X.shape[0]):
        votes = np.empty((orientations, side + 1, side + 1))
        _histograms_one(X[i], side, cell, stride, orientations, votes, out[i])


@jit
def _histograms_few(X, side, cell, stride, orientations, out):
    votes = np.empty((orientations, side + 1, side + 1))
    for i in range(X.shape[0]):
        _histograms_one(X[i], side, cell, stride, orientations, votes, out[i])


def gradient_histograms(X, side, cell=6, stride=3, orientations=8):
    """Gradient-orientation histograms of the rows of ``X`` (n, side * side): float32
    rows of ``cells_across(side, cell, stride) ** 2 * orientations`` values k/255."""
    if not 1 <= cell <= side or stride < 1 or orientations < 2:
        raise ValueError(f"cells of {cell} px every {stride} px with {orientations} orientations "
                         f"do not fit images of {side}x{side}")
    X = np.ascontiguousarray(X, dtype=np.float32)
    across = cells_across(side, cell, stride)
    out = np.empty((X.shape[0], across * across * orientations), dtype=np.float32)
    if X.shape[0] <= FEW:
        _histograms_few(X, side, cell, stride, orientations, out)
        return out
    with PARALLEL_LOCK:
        _histograms_rows(X, side, cell, stride, orientations, out)
    return out
