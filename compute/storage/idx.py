"""The four standard IDX files of MNIST-like data sets (raw or gzip), read and checked,
never decompressed past the size their header promises."""

import gzip
import math
import zlib
from pathlib import Path

import numpy as np

from . import cache
from .arrays import READ_ROWS, checked_labels, rows_from_blocks
from ..errors import DataError
from .files import require_file
from .hdf5 import available_memory
from .sources import IDX_NAMES


def read_idx(path):
    """Read one IDX file (raw or gzip) as a numpy array of its stored shape.

    The header is read first, and then at most the bytes it promises (plus one, to tell
    a longer file): a damaged or hostile file can never make us decompress more.
    """
    path = require_file(path)
    with open(path, "rb") as f:
        gzipped = f.read(2) == b"\x1f\x8b"
        f.seek(0)
        stream = gzip.GzipFile(fileobj=f) if gzipped else f
        try:
            head = stream.read(4)
            if len(head) < 4 or head[0] != 0 or head[1] != 0:
                raise DataError(f"{path.name}: not an IDX file (bad magic number)")
            if head[2] != 0x08:
                raise DataError(f"{path.name}: IDX type 0x{head[2]:02x} is not supported; "
                                "expected unsigned bytes (0x08)")
            dims = stream.read(4 * head[3])
            if len(dims) < 4 * head[3]:
                raise DataError(f"{path.name}: truncated IDX header")
            shape = tuple(int.from_bytes(dims[4 * i:4 * i + 4], "big") for i in range(head[3]))
            size = math.prod(shape)
            memory = available_memory()
            if memory is not None and size > memory:
                raise DataError(f"{path.name}: its header declares {size:,} bytes (shape {shape}), "
                                f"more than the {memory:,} bytes of memory free")
            body = stream.read(size + 1)
        except (OSError, EOFError, zlib.error) as error:
            raise DataError(f"{path}: damaged gzip data ({error}); download it again") from None
    header = 4 + len(dims)
    if len(body) > size:
        raise DataError(f"{path.name}: holds more than the {header + size:,} bytes its header "
                        f"promises (shape {shape}); the file is damaged")
    if len(body) < size:
        raise DataError(f"{path.name}: {header + len(body):,} bytes but its header promises "
                        f"{header + size:,} (shape {shape}); the file is truncated or damaged")
    return np.frombuffer(body, dtype=np.uint8).reshape(shape)


def read_idx_pair(images_path, labels_path):
    """Read an IDX images file and its labels file (from the cache when it has them).

    Returns
    -------
    (SparseRows, ndarray, int)
        The examples, labels as int32 and K.
    """
    def convert():
        X, labels, n_classes = read_idx_arrays(images_path, labels_path)
        name = Path(images_path).name
        rows = rows_from_blocks(name, ((a, X[a:a + READ_ROWS]) for a in range(0, X.shape[0], READ_ROWS)))
        return rows, labels, n_classes

    return cache.cached([images_path, labels_path], convert)


def read_idx_arrays(images_path, labels_path):
    """Read an IDX images file and its labels file; returns (X uint8 (N, d), labels, K)."""
    images = read_idx(images_path)
    labels = read_idx(labels_path)
    if images.ndim < 2:
        raise DataError(f"{Path(images_path).name}: holds labels, not images "
                        f"(shape {images.shape})")
    if labels.ndim != 1:
        raise DataError(f"{Path(labels_path).name}: holds images, not labels "
                        f"(shape {labels.shape})")
    if labels.shape[0] != images.shape[0]:
        raise DataError(f"{Path(labels_path).name}: {labels.shape[0]} labels but "
                        f"{Path(images_path).name} has {images.shape[0]} images")
    if images.shape[0] == 0:
        raise DataError(f"{Path(images_path).name}: holds no images")
    X = images.reshape(images.shape[0], -1)
    return (X, *checked_labels(Path(labels_path).name, "holds", labels))


def idx_files(folder):
    """The four IDX files in ``folder`` (gzip or raw) as a dict, or None if any is missing."""
    folder = Path(folder)
    found = {}
    for key, stem in IDX_NAMES.items():
        for candidate in (folder / stem, folder / f"{stem}.gz"):
            if candidate.is_file():
                found[key] = candidate
                break
        else:
            return None
    return found
