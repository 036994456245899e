"""Reading HDF5 files (data and parameters) with one clear error for anything wrong."""

import contextlib

import h5py
import numpy as np

from ..errors import DataError
from .files import require_file

#: A dataset may declare at most this many times the bytes it stores (MNIST's gzip-9
#: pixels: about 6), plus a megabyte: past that it is an empty promise, not data.
MAX_COMPRESSION = 1000


def _check_dataset(f, key, path, schema):
    """The dataset ``key`` must be in this file and its data too: no link to another
    file, no external raw storage, no virtual dataset (nothing is read from elsewhere)."""
    link = f.get(key, getlink=True)
    if link is None:
        raise DataError(f"{path.name}: no dataset '{key}'; expected {schema}")
    if not isinstance(link, h5py.HardLink):
        raise DataError(f"{path.name}: '{key}' is a link to another place or file; copy the data "
                        "into this file")
    dataset = f[key]
    if not isinstance(dataset, h5py.Dataset):
        raise DataError(f"{path.name}: '{key}' is not a dataset; expected {schema}")
    if dataset.external or dataset.is_virtual:
        raise DataError(f"{path.name}: '{key}' keeps its data in other files; copy the data into "
                        "this file")
    declared = dataset.size * dataset.dtype.itemsize
    stored = dataset.id.get_storage_size()
    if declared and not stored:
        raise DataError(f"{path.name}: '{key}' declares {dataset.shape} values but stores none")
    if declared > MAX_COMPRESSION * stored + (1 << 20):
        raise DataError(f"{path.name}: '{key}' declares {declared:,} bytes but stores {stored:,}; "
                        "no real data compresses that much")
    memory = available_memory()
    if memory is not None and declared > memory:
        raise DataError(f"{path.name}: '{key}' declares {declared:,} bytes, more than the "
                        f"{memory:,} bytes of memory free")


def available_memory():
    """Bytes of memory available to us now without swapping (psutil's ``available``:
    free pages and what the system can reclaim), or None where it cannot say."""
    import psutil

    try:
        return psutil.virtual_memory().available
    except (OSError, RuntimeError, AttributeError):
        return None


@contextlib.contextmanager
def open_datasets(path, keys, schema):
    """Open an HDF5 file and its named datasets, with one clear error for anything wrong.

    Yields ``(datasets, attributes)``: the h5py datasets by name (read them in the block,
    whole or a slice at a time) and the file's attributes as Python values. Any failure to
    read, there or in the block, is a :class:`DataError` naming the file.

    Parameters
    ----------
    path : path
    keys : sequence of str
        Datasets that must be there.
    schema : str
        What such a file holds, for the error messages ("'w' (K, d) and 'b' (K, 1)").
    """
    path = require_file(path)
    if not h5py.is_hdf5(path):
        raise DataError(f"{path}: not an HDF5 file; expected {schema}")
    try:
        with h5py.File(path, "r") as f:
            for key in keys:
                _check_dataset(f, key, path, schema)
            attributes = {k: (v.item() if isinstance(v, np.generic) else v)
                          for k, v in f.attrs.items()}
            yield {key: f[key] for key in keys}, attributes
    except (OSError, TypeError, ValueError) as error:
        if isinstance(error, DataError):
            raise
        raise DataError(f"{path}: cannot be read as HDF5 ({error})") from None


def read_hdf5_datasets(path, keys, schema):
    """Read the named datasets whole, and the attributes (see :func:`open_datasets`).

    Returns
    -------
    (dict, dict)
        Arrays by name, and the file's attributes as Python values.
    """
    with open_datasets(path, keys, schema) as (datasets, attributes):
        return {key: dataset[()] for key, dataset in datasets.items()}, attributes


def row_blocks(dataset, rows=4096):
    """``(first row, block)`` pairs covering a 2-D dataset, about ``rows`` rows at a time
    (whole HDF5 chunks, so that each compressed chunk is decoded once)."""
    chunk = dataset.chunks[0] if dataset.chunks else 1
    step = max(chunk, rows // chunk * chunk)
    for first in range(0, dataset.shape[0], step):
        yield first, dataset[first:first + step]
