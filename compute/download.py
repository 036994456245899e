"""Fetch MNIST's four IDX files, verify them, and keep them as course HDF5 files.

Each file is streamed to a hidden temporary file beside its destination, checked against
the SHA-256 of its *uncompressed* contents (mirrors re-compress the same bytes
differently), and only then renamed into place. A cancel, a dropped connection, a
timeout or a bad checksum leaves the folder as it was. Once all four are verified they
are converted to ``mnist_traindata.hdf5`` + ``mnist_testdata.hdf5`` so later starts
read them directly.
"""

import gzip
import hashlib
import os
import socket
import time
import urllib.error
import urllib.request
import zlib
from dataclasses import dataclass
from pathlib import Path

import h5py

from . import data
from .errors import DownloadCancelled, DownloadError  # noqa: F401  (raised here; part of this API)

#: Where torchvision and TensorFlow fetch the same files, tried in order.
MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
    "http://yann.lecun.com/exdb/mnist/",
)
MIRROR_ENV = "SOFTMAX_LAB_MIRROR"
#: SHA-256 of the uncompressed IDX files, and their gzip sizes (for the progress bar).
FILES = {
    "train-images-idx3-ubyte": ("ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db", 9912422),
    "train-labels-idx1-ubyte": ("65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5", 28881),
    "t10k-images-idx3-ubyte": ("0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7", 1648877),
    "t10k-labels-idx1-ubyte": ("ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2", 4542),
}
#: Uncompressed sizes: a gzip of a file is never much larger, so a transfer stops there
#: whatever a server sends (mirrors compress the same bytes differently).
RAW_SIZES = {
    "train-images-idx3-ubyte": 47_040_016,
    "train-labels-idx1-ubyte": 60_008,
    "t10k-images-idx3-ubyte": 7_840_016,
    "t10k-labels-idx1-ubyte": 10_008,
}
#: A file's transfer may take this many times the silence timeout in all (one byte a
#: second would otherwise never time out).
DEADLINE_TIMEOUTS = 20
TOTAL_BYTES = sum(size for _, size in FILES.values())
CHUNK = 64 * 1024
TIMEOUT_SECONDS = 30.0


@dataclass
class Progress:
    """Where a download is: bytes so far of all four files, and the file being fetched.

    ``total`` is an estimate (the mirrors' usual sizes) until the end, when it equals
    ``done``.
    """

    done: int
    total: int
    file: str


def by_hand():
    """Where to get the files without this program (for a failed download's message)."""
    names = ", ".join(f"{name}.gz" for name in FILES)
    return f"Get {names} from {MIRRORS[0]} (or {MIRRORS[1]}) with a browser into one folder"


def mirrors(override=None):
    """The base URLs to try: ``override`` or ``$SOFTMAX_LAB_MIRROR`` alone, else the defaults."""
    chosen = override or os.environ.get(MIRROR_ENV)
    if chosen:
        return (chosen if chosen.endswith("/") else chosen + "/",)
    return MIRRORS


def sha256_of_idx(path):
    """SHA-256 of an IDX file's uncompressed bytes (the file may be gzip or raw)."""
    digest = hashlib.sha256()
    with open(path, "rb") as raw:
        gzipped = raw.read(2) == b"\x1f\x8b"
    opener = gzip.open if gzipped else open
    try:
        with opener(path, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                digest.update(block)
    except (OSError, EOFError, zlib.error):
        return None  # damaged gzip: cannot be the right file
    return digest.hexdigest()


def verified(folder, name):
    """The path of a good copy of ``name`` in ``folder`` (gzip or raw), or None."""
    for candidate in (Path(folder) / f"{name}.gz", Path(folder) / name):
        if candidate.is_file() and sha256_of_idx(candidate) == FILES[name][0]:
            return candidate
    return None


#: The HDF5 attribute that records which verified IDX files a converted file came from.
SOURCES_ATTRIBUTE = "mnist_sha256"
PARTS = {data.TRAIN_HDF5: ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
         data.TEST_HDF5: ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")}


def _sources(out_name):
    return " ".join(FILES[name][0] for name in PARTS[out_name])


def cache_is_valid(folder):
    """True when ``folder`` holds the HDF5 files that this module converted from the
    verified MNIST files (they say so in an attribute); anything else is not trusted."""
    for out_name in PARTS:
        path = Path(folder) / out_name
        try:
            with h5py.File(path, "r") as f:
                if f.attrs.get(SOURCES_ATTRIBUTE) != _sources(out_name):
                    return False
        except (OSError, ValueError):
            return False
    return True


def _fetch(url, target, name, progress, cancelled, done, timeout):
    """Stream ``url`` into ``target``; returns bytes read. Raises OSError-like on failure."""
    request = urllib.request.Request(url, headers={"User-Agent": "softmax-lab"})
    read = 0
    limit = RAW_SIZES[name] + (1 << 16)
    deadline = time.monotonic() + DEADLINE_TIMEOUTS * timeout
    with urllib.request.urlopen(request, timeout=timeout) as response, open(target, "wb") as out:
        expected = response.headers.get("Content-Length")
        while True:
            if cancelled is not None and cancelled():
                raise DownloadCancelled("download cancelled; nothing was changed")
            if time.monotonic() > deadline:
                raise OSError(f"not done within {DEADLINE_TIMEOUTS * timeout:g} s")
            block = response.read1(CHUNK)  # what has arrived: the deadline is checked often
            if not block:
                break
            out.write(block)
            read += len(block)
            if read > limit:
                raise ValueError(f"more than {limit:,} bytes: not this file")
            if progress is not None:
                progress(Progress(done + read, max(done + read, TOTAL_BYTES), name))
        if expected is not None and read != int(expected):
            raise urllib.error.ContentTooShortError(
                f"got {read:,} of {int(expected):,} bytes", None)
    return read


def download(folder=None, mirror=None, progress=None, cancelled=None, timeout=TIMEOUT_SECONDS):
    """Download, verify and convert MNIST into ``folder`` (default: the user data folder).

    Parameters
    ----------
    folder : path, optional
    mirror : str, optional
        A base URL to use instead of the public mirrors (also ``$SOFTMAX_LAB_MIRROR``).
    progress : callable, optional
        Called with a :class:`Progress` as bytes arrive.
    cancelled : callable, optional
        Returns True to stop; checked between chunks.
    timeout : float
        Seconds a connection may stay silent.

    Returns
    -------
    (Path, bool)
        The folder, and whether anything was downloaded (False: the cache was valid).
    """
    folder = Path(folder) if folder is not None else data.user_data_folder()
    if cache_is_valid(folder):
        return folder, False
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise DownloadError(f"{folder}: cannot create the folder ({error.strerror})") from None
    done = 0
    for name, (_, size) in FILES.items():
        if verified(folder, name) is None:
            done += _download_one(folder, name, done, progress, cancelled, timeout, mirror)
        else:
            done += size
        if progress is not None:
            progress(Progress(done, max(done, TOTAL_BYTES), name))
    convert_to_hdf5(folder)
    if progress is not None:
        progress(Progress(done, done, "converted"))
    return folder, True


def _download_one(folder, name, done, progress, cancelled, timeout, mirror):
    final = folder / f"{name}.gz"
    temporary = folder / f".{name}.gz.part"
    failures = []
    try:
        for base in mirrors(mirror):
            try:
                read = _fetch(base + f"{name}.gz", temporary, name, progress, cancelled, done, timeout)
            except DownloadCancelled:
                raise
            except (urllib.error.URLError, OSError, ValueError) as error:
                failures.append(_reason(error, timeout))
                continue
            if sha256_of_idx(temporary) != FILES[name][0]:
                failures.append("checksum mismatch (the file is corrupt or not MNIST)")
                continue
            os.replace(temporary, final)
            return read
    finally:
        temporary.unlink(missing_ok=True)
    raise DownloadError(f"{name}.gz: could not be downloaded ({'; '.join(dict.fromkeys(failures))})")


def _reason(error, timeout):
    if isinstance(error, (socket.timeout, TimeoutError)) or "timed out" in str(error):
        return f"no answer within {timeout:g} s"
    if isinstance(error, urllib.error.HTTPError):
        return f"HTTP {error.code} {error.reason}"
    if isinstance(error, urllib.error.ContentTooShortError):
        return f"transfer cut short: {error.args[0]}"
    if isinstance(error, urllib.error.URLError):
        return f"cannot connect: {error.reason}"
    return str(error)


def convert_to_hdf5(folder, target=None):
    """Write the IDX data set in ``folder`` as the course's two HDF5 files (atomically).

    Parameters
    ----------
    folder : path
        Holds the four IDX files.
    target : path, optional
        Where to write the HDF5 files (default: ``folder``).
    """
    folder = Path(folder)
    target = Path(target) if target is not None else folder
    # Only the bytes just verified are converted: never another copy lying in the folder.
    files = {name: verified(folder, name) for name in FILES}
    missing = [name for name, path in files.items() if path is None]
    if missing:
        raise data.DataError(f"{folder}: no verified copy of {', '.join(missing)}")
    for out_name, (images, labels_name) in PARTS.items():
        X, labels, n_classes = data.read_idx_arrays(files[images], files[labels_name])
        data.write_course_hdf5(target / out_name, X, labels, max(n_classes, 10),
                               attributes={SOURCES_ATTRIBUTE: _sources(out_name)})
    return target
