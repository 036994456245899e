"""Hostile data and parameter files, made on demand for the command-line and GUI tests.

Each case is a function that writes one file into a folder and returns its path; the
words are what the one-line error about it must say (the file's name always comes
first). ``DATA`` cases are training files in the course schema (paired with a good test
file of 16 features and 3 classes); ``PARAMS`` cases are parameter files for MNIST.
"""

import h5py
import numpy as np

DATA = {}
PARAMS = {}


def _case(table, *words):
    def register(make):
        table[make.__name__] = (make, words)
        return make
    return register


def course_file(path, X=None, Y=None, **datasets):
    """A small course-schema file (40 rows, 16 features, 3 classes); ``X=False`` leaves
    'xdata' out, and ``datasets`` adds or replaces entries."""
    rng = np.random.default_rng(0)
    X = (rng.random((40, 16)) * (rng.random((40, 16)) < 0.5)).astype(np.float32) if X is None else X
    Y = np.eye(3, dtype=np.float32)[rng.integers(0, 3, 40)] if Y is None else Y
    with h5py.File(path, "w") as f:
        if X is not False:
            f.create_dataset("xdata", data=X)
        f.create_dataset("ydata", data=Y)
        for name, value in datasets.items():
            f[name] = value
    return path


def _pixels():
    rng = np.random.default_rng(0)
    return (rng.random((40, 16)) * (rng.random((40, 16)) < 0.5)).astype(np.float32)


def _with_pixel(value, row, column):
    X = _pixels()
    X[row, column] = value
    return X


# -------------------------------------------------------------------- labels


@_case(DATA, "label 2147483653", "at most 10,000 classes")
def label_past_int32(folder):
    return course_file(folder / "label_past_int32.hdf5", Y=np.full(40, 2**31 + 5, dtype=np.uint32))


@_case(DATA, "label 10000000000", "at most 10,000 classes")
def label_huge_float(folder):
    return course_file(folder / "label_huge_float.hdf5", Y=np.full(40, 1e10))


@_case(DATA, "label 1000000")
def label_million(folder):
    return course_file(folder / "label_million.hdf5", Y=np.full(40, 1_000_000, dtype=np.int64))


@_case(DATA, "label -3 in row 0")
def label_negative(folder):
    return course_file(folder / "label_negative.hdf5", Y=np.full(40, -3, dtype=np.int32))


@_case(DATA, "'ydata' row 0 is not one-hot")
def label_not_one_hot(folder):
    return course_file(folder / "label_not_one_hot.hdf5", Y=2 * np.eye(3, dtype=np.float32)[np.arange(40) % 3])


@_case(DATA, "'ydata' has 30 rows but 'xdata' has 40")
def label_rows_missing(folder):
    return course_file(folder / "label_rows_missing.hdf5", Y=np.eye(3, dtype=np.float32)[np.arange(30) % 3])


# -------------------------------------------------------------------- pixels


@_case(DATA, "NaN or inf values (first in row 3)")
def pixel_nan(folder):
    return course_file(folder / "pixel_nan.hdf5", X=_with_pixel(np.nan, 3, 4))


@_case(DATA, "NaN or inf values (first in row 5)")
def pixel_inf(folder):
    return course_file(folder / "pixel_inf.hdf5", X=_with_pixel(np.inf, 5, 1))


@_case(DATA, "pixels must be in [0, 1]")
def pixel_negative(folder):
    return course_file(folder / "pixel_negative.hdf5", X=_with_pixel(-0.5, 2, 2))


@_case(DATA, "pixels must be in [0, 1]")
def pixel_0_255_as_float(folder):
    return course_file(folder / "pixel_0_255_as_float.hdf5", X=_pixels() * 255)


@_case(DATA, "'xdata' has dtype |S1")
def pixel_strings(folder):
    return course_file(folder / "pixel_strings.hdf5", X=np.full((40, 16), b"a", dtype="S1"))


@_case(DATA, "'xdata' has dtype int64")
def pixel_int64(folder):
    return course_file(folder / "pixel_int64.hdf5", X=(_pixels() * 255).astype(np.int64))


@_case(DATA, "'xdata' has shape (40, 4, 4); it must be 2-D")
def pixel_3d(folder):
    return course_file(folder / "pixel_3d.hdf5", X=_pixels().reshape(40, 4, 4))


@_case(DATA, "'xdata' has shape (); it must be 2-D")
def pixel_scalar(folder):
    return course_file(folder / "pixel_scalar.hdf5", X=np.float32(3.0))


# -------------------------------------------------------------------- not the course schema


def _bytes_file(folder, name, content):
    path = folder / f"{name}.hdf5"
    path.write_bytes(content)
    return path


@_case(DATA, "not an HDF5 file")
def not_hdf5(folder):
    return _bytes_file(folder, "not_hdf5", b"hello, not HDF5\n")


@_case(DATA, "not an HDF5 file")
def empty_file(folder):
    return _bytes_file(folder, "empty_file", b"")


@_case(DATA, "cannot be read as HDF5")
def truncated(folder):
    whole = course_file(folder / "whole.hdf5").read_bytes()
    path = folder / "truncated.hdf5"
    path.write_bytes(whole[:len(whole) // 2])
    return path


@_case(DATA, "no dataset 'xdata'")
def no_xdata(folder):
    return course_file(folder / "no_xdata.hdf5", X=False)


# -------------------------------------------------------------------- data from elsewhere


@_case(DATA, "'xdata' is a link to another place or file")
def external_link(folder):
    other = course_file(folder / "other.hdf5")
    return course_file(folder / "external_link.hdf5", X=False,
                       xdata=h5py.ExternalLink(str(other), "xdata"))


@_case(DATA, "keeps its data in other files")
def external_storage(folder):
    raw = folder / "pixels.bin"
    np.zeros((40, 16), np.float32).tofile(raw)
    path = folder / "external_storage.hdf5"
    with h5py.File(path, "w") as f:
        f.create_dataset("xdata", shape=(40, 16), dtype=np.float32, external=[(str(raw), 0, 40 * 16 * 4)])
        f.create_dataset("ydata", data=np.eye(3, dtype=np.float32)[np.arange(40) % 3])
    return path


@_case(DATA, "keeps its data in other files")
def virtual_dataset(folder):
    layout = h5py.VirtualLayout(shape=(40, 16), dtype=np.float32)
    layout[:] = h5py.VirtualSource(str(folder / "missing.hdf5"), "xdata", shape=(40, 16))
    path = folder / "virtual_dataset.hdf5"
    with h5py.File(path, "w") as f:
        f.create_virtual_dataset("xdata", layout, fillvalue=0)
        f.create_dataset("ydata", data=np.eye(3, dtype=np.float32)[np.arange(40) % 3])
    return path


@_case(DATA, "'xdata' declares (4000000, 784) values but stores none")
def hollow(folder):
    path = folder / "hollow.hdf5"
    with h5py.File(path, "w") as f:  # 12.5 GB declared, nothing written
        f.create_dataset("xdata", shape=(4_000_000, 784), dtype=np.float32, chunks=(1000, 784))
        f.create_dataset("ydata", data=np.zeros(4_000_000, np.uint8))
    return path


# -------------------------------------------------------------------- parameter files (MNIST)


def params_file(path, w=None, b=None):
    """A parameter file; ``w`` and ``b`` default to MNIST's shapes, False leaves one out."""
    with h5py.File(path, "w") as f:
        for name, value, default in (("w", w, (10, 784)), ("b", b, (10, 1))):
            if value is not False:
                f[name] = np.zeros(default) if value is None else value
    return path


@_case(PARAMS, "'w' has 100 features per class but the data has 784")
def params_features(folder):
    return params_file(folder / "params_features.hdf5", w=np.zeros((10, 100)))


@_case(PARAMS, "no dataset 'b'")
def params_no_bias(folder):
    return params_file(folder / "params_no_bias.hdf5", b=False)


@_case(PARAMS, "'b' has shape (7, 1); expected (10, 1)")
def params_bias_shape(folder):
    return params_file(folder / "params_bias_shape.hdf5", b=np.zeros((7, 1)))


@_case(PARAMS, "parameters contain NaN or inf")
def params_nan(folder):
    w = np.zeros((10, 784))
    w[1, 2] = np.nan
    return params_file(folder / "params_nan.hdf5", w=w)


@_case(PARAMS, "'w' and 'b' must be numbers")
def params_strings(folder):
    return params_file(folder / "params_strings.hdf5", w=np.full((10, 784), b"x", dtype="S1"))


@_case(PARAMS, "knows 5 classes but", "has labels up to 9")
def params_too_few_classes(folder):
    return params_file(folder / "params_too_few_classes.hdf5", w=np.zeros((5, 784)), b=np.zeros((5, 1)))


@_case(PARAMS, "'w' has shape (0, 784); expected (K, d) with K >= 2")
def params_no_classes(folder):
    return params_file(folder / "params_no_classes.hdf5", w=np.zeros((0, 784)), b=np.zeros((0, 1)))


@_case(PARAMS, "'w' is a link to another place or file")
def params_link(folder):
    other = params_file(folder / "other_params.hdf5")
    path = folder / "params_link.hdf5"
    with h5py.File(path, "w") as f:
        f["w"] = h5py.ExternalLink(str(other), "w")
        f["b"] = np.zeros((10, 1))
    return path


@_case(PARAMS, "not an HDF5 file")
def params_not_hdf5(folder):
    return _bytes_file(folder, "params_not_hdf5", b"hello, not HDF5\n")


@_case(PARAMS, "'w' declares 80,000,000,000 bytes but stores")
def params_wide(folder):
    path = folder / "params_wide.hdf5"
    with h5py.File(path, "w") as f:  # a 'w' of 10^9 columns, gzip-compressed zeros
        f.create_dataset("w", shape=(10, 10**9), dtype=np.float64, chunks=(10, 1 << 20),
                         compression="gzip")
        f["w"][:, :1 << 20] = 0.0
        f.create_dataset("b", data=np.zeros((10, 1)))
    return path
