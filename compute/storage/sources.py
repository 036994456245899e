"""Where data comes from, without reading any of it: the names of a data folder's files,
the folders looked in by default, and every path that loading data may read (which no
output may ever overwrite). Light: no numpy, no numba, so the command line can check its
outputs before it imports the engine."""

import os
from pathlib import Path

import platformdirs

TRAIN_HDF5 = "mnist_traindata.hdf5"
TEST_HDF5 = "mnist_testdata.hdf5"
IDX_NAMES = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}
DATA_ENV = "SOFTMAX_LAB_DATA"
#: A data folder may name its classes in this file, one name a line, in label order.
CLASSES_TXT = "classes.txt"
#: The most classes a data file may have (labels 0..MAX_CLASSES - 1): far more than any
#: image set softmax regression is used on, and a bound on the parameters' size.
MAX_CLASSES = 10_000
#: The most features (pixels) a converted data set may have in the cache: a 4096x4096
#: picture's worth, and a bound on the parameters' size.
MAX_FEATURES = 1 << 24


def user_data_folder(dataset="mnist"):
    """Where Softmax Lab keeps a data set it downloaded (``"mnist"``, ``"fashion-mnist"``)."""
    return Path(platformdirs.user_data_dir("softmax-lab", appauthor=False)) / dataset


def default_folders():
    """Folders looked in when no data is named: ``$SOFTMAX_LAB_DATA``, then the user's."""
    folders = []
    if os.environ.get(DATA_ENV):
        folders.append(Path(os.environ[DATA_ENV]))
    folders.append(user_data_folder())
    return folders


def folder_files(folder):
    """Every file of ``folder`` that loading it may read: the course HDF5 pair, the IDX
    files (raw and gzip) and the class names."""
    folder = Path(folder)
    names = [TRAIN_HDF5, TEST_HDF5, CLASSES_TXT]
    for stem in IDX_NAMES.values():
        names += [stem, f"{stem}.gz"]
    return [folder / name for name in names]


def input_paths(data=None, train=None, test=None):
    """Every path that loading the data named so (``--data``, ``--train``/``--test``, or
    none: the default folders) may read, folders included."""
    if train is not None or test is not None:
        files = [Path(p) for p in (train, test) if p is not None]
        return files + [f.parent / CLASSES_TXT for f in files]
    folders = [Path(data)] if data is not None else default_folders()
    return [path for folder in folders for path in (folder, *folder_files(folder))]
