"""Reading HDF5 files (data and parameters) with one clear error for anything wrong."""

from pathlib import Path

import h5py
import numpy as np

from .errors import DataError


def require_file(path):
    """``path`` as a Path, or :class:`DataError` when it is missing or a folder."""
    path = Path(path)
    if not path.exists():
        raise DataError(f"{path}: no such file")
    if path.is_dir():
        raise DataError(f"{path}: is a folder; expected a data file")
    return path


def read_hdf5_datasets(path, keys, schema):
    """Read the named datasets and the root attributes of an HDF5 file, with clear errors.

    Parameters
    ----------
    path : path
    keys : sequence of str
        Datasets that must be there.
    schema : str
        What such a file holds, for the error messages ("'w' (K, d) and 'b' (K, 1)").

    Returns
    -------
    (dict, dict)
        Arrays by name, and the file's attributes as Python values.
    """
    path = require_file(path)
    if not h5py.is_hdf5(path):
        raise DataError(f"{path}: not an HDF5 file; expected {schema}")
    try:
        with h5py.File(path, "r") as f:
            for key in keys:
                if key not in f or not isinstance(f[key], h5py.Dataset):
                    raise DataError(f"{path.name}: no dataset '{key}'; expected {schema}")
            arrays = {key: f[key][()] for key in keys}
            attributes = {k: (v.item() if isinstance(v, np.generic) else v)
                          for k, v in f.attrs.items()}
    except (OSError, TypeError, ValueError) as error:
        if isinstance(error, DataError):
            raise
        raise DataError(f"{path}: cannot be read as HDF5 ({error})") from None
    return arrays, attributes
