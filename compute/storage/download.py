"""Fetch a data set's four IDX files, verify them, and keep them as course HDF5 files.

Two data sets are known: MNIST (handwritten digits) and Fashion-MNIST (clothing, the
same sizes and format). Each file is streamed to a hidden temporary file beside its
destination, checked against the SHA-256 of its *uncompressed* contents (mirrors
re-compress the same bytes differently), and only then renamed into place. A cancel, a
dropped connection, a timeout or a bad checksum leaves the folder as it was. Once all
four are verified they are converted to the course's two HDF5 files, so later starts
read them directly; a data set with class names gets its ``classes.txt``.
"""

import contextlib
import gzip
import hashlib
import http.client
import os
import socket
import tempfile
import threading
import time
import urllib.error
import urllib.request
import zlib
from dataclasses import dataclass
from pathlib import Path

import h5py
import platformdirs
from filelock import FileLock, Timeout

from . import data, idx
from ..errors import DownloadCancelled, DownloadError  # noqa: F401  (raised here; part of this API)
from .files import atomic_write
from .datasets import MNIST, RAW_SIZES, by_hand, mirrors
from .sources import user_data_folder


#: A file's transfer may take this many times the silence timeout in all (one byte a
#: second would otherwise never time out).
DEADLINE_TIMEOUTS = 20
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


def sha256_of_idx(path, limit=None, cancelled=None):
    """SHA-256 of an IDX file's uncompressed bytes (the file may be gzip or raw), or None
    when it is damaged or expands past ``limit`` bytes (a gzip bomb is never inflated
    whole); ``cancelled()`` is checked between megabytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as raw:
        gzipped = raw.read(2) == b"\x1f\x8b"
    opener = gzip.open if gzipped else open
    size = 0
    try:
        with opener(path, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                _stop_if(cancelled)
                size += len(block)
                if limit is not None and size > limit:
                    return None  # larger than the file it should be
                digest.update(block)
    except (OSError, EOFError, zlib.error):
        return None  # damaged gzip: cannot be the right file
    return digest.hexdigest()


def verified(folder, name, source=MNIST, cancelled=None):
    """The path of a good copy of ``name`` in ``folder`` (gzip or raw), or None."""
    for candidate in (Path(folder) / f"{name}.gz", Path(folder) / name):
        if candidate.is_file() and sha256_of_idx(candidate, RAW_SIZES[name], cancelled) == source.files[name][0]:
            return candidate
    return None


#: The HDF5 attribute that records which verified IDX files a converted file came from.
SOURCES_ATTRIBUTE = "mnist_sha256"
PARTS = {data.TRAIN_HDF5: ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
         data.TEST_HDF5: ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")}


def _sources(out_name, source):
    return " ".join(source.files[name][0] for name in PARTS[out_name])


def cache_is_valid(folder, source=MNIST):
    """True when ``folder`` holds the HDF5 files that this module converted from the
    verified files of ``source`` (they say so in an attribute), and its class names;
    anything else is not trusted."""
    for out_name in PARTS:
        path = Path(folder) / out_name
        try:
            with h5py.File(path, "r") as f:
                if f.attrs.get(SOURCES_ATTRIBUTE) != _sources(out_name, source):
                    return False
        except (OSError, ValueError):
            return False
    if not source.class_names:
        return True
    try:
        return data.read_class_names(folder, len(source.class_names)) == source.class_names
    except data.DataError:
        return False


def _write_class_names(folder, source):
    if source.class_names:
        with atomic_write(Path(folder) / data.CLASSES_TXT, "w", encoding="utf-8") as f:
            f.write("\n".join(source.class_names) + "\n")


def _stop_if(cancelled):
    """Raise :class:`DownloadCancelled` when ``cancelled()`` says so."""
    if cancelled is not None and cancelled():
        raise DownloadCancelled("download cancelled; nothing was changed")


#: How often a cancel is looked for while a transfer waits for bytes (seconds).
CANCEL_POLL_SECONDS = 0.1


@contextlib.contextmanager
def _cut_when_cancelled(response, cancelled):
    """While the block runs, watch ``cancelled()``; when it turns true, shut the
    connection down, so that a read blocked on a silent server returns at once instead
    of after the whole timeout."""
    if cancelled is None:
        yield
        return
    done = threading.Event()

    def watch():
        while not done.wait(CANCEL_POLL_SECONDS):
            if cancelled():
                with contextlib.suppress(OSError, ValueError):
                    # A duplicate of the connection's descriptor: shutting it down ends
                    # the transfer for every descriptor of that connection.
                    with socket.socket(fileno=os.dup(response.fileno())) as connection:
                        connection.shutdown(socket.SHUT_RDWR)
                return

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        yield
    finally:
        done.set()
        watcher.join()


def _fetch(url, target, name, progress, cancelled, done, timeout, total):
    """Stream ``url`` into ``target``; returns bytes read. Raises OSError-like on failure."""
    request = urllib.request.Request(url, headers={"User-Agent": "softmax-lab"})
    read = 0
    limit = RAW_SIZES[name] + (1 << 16)
    deadline = time.monotonic() + DEADLINE_TIMEOUTS * timeout
    with urllib.request.urlopen(request, timeout=timeout) as response, open(target, "wb") as out, \
            _cut_when_cancelled(response, cancelled):
        expected = response.headers.get("Content-Length")
        while True:
            if time.monotonic() > deadline:
                raise OSError(f"not done within {DEADLINE_TIMEOUTS * timeout:g} s")
            try:
                block = response.read1(CHUNK)  # what has arrived: the deadline is checked often
            except (OSError, http.client.HTTPException):
                _stop_if(cancelled)  # the read failed because the watcher cut the connection
                raise
            _stop_if(cancelled)
            if not block:
                break
            out.write(block)
            read += len(block)
            if read > limit:
                raise ValueError(f"more than {limit:,} bytes: not this file")
            if progress is not None:
                progress(Progress(done + read, max(done + read, total), name))
        if expected is not None and read != int(expected):
            raise urllib.error.ContentTooShortError(
                f"got {read:,} of {int(expected):,} bytes", None)
    return read


def download(folder=None, mirror=None, progress=None, cancelled=None, timeout=TIMEOUT_SECONDS,
             source=MNIST):
    """Download, verify and convert a data set into ``folder`` (default: its user data folder).

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
    source : Source
        Which data set (:data:`MNIST` or :data:`FASHION_MNIST`).

    Returns
    -------
    (Path, bool)
        The folder, and whether anything was downloaded (False: the cache was valid).
    """
    folder = Path(folder) if folder is not None else user_data_folder(source.name)
    if cache_is_valid(folder, source):
        return folder, False
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise DownloadError(f"{folder}: cannot create the folder ({error.strerror})",
                            by_hand(source)) from None
    try:
        # One download into a folder at a time, across processes.
        lock = FileLock(_lock_path(folder), timeout=0)
        lock.acquire()
    except (Timeout, OSError):
        raise DownloadError(f"{folder}: another download into this folder is running; try "
                            "again when it has finished", by_hand(source)) from None
    try:
        done, total = 0, source.total_bytes
        for name, (_, size) in source.files.items():
            if verified(folder, name, source, cancelled) is None:
                done += _download_one(folder, name, done, progress, cancelled, timeout, mirror, source)
            else:
                done += size
            if progress is not None:
                progress(Progress(done, max(done, total), name))
        convert_to_hdf5(folder, source=source)
    finally:
        lock.release()
    if progress is not None:
        progress(Progress(done, done, "converted"))
    return folder, True


def _lock_path(folder):
    """The lock of downloads into ``folder``: in the user cache folder, so that the data
    folder holds nothing but the data."""
    key = hashlib.sha256(os.fsencode(folder.resolve())).hexdigest()[:24]
    locks = platformdirs.user_cache_path("softmax-lab", appauthor=False) / "locks"
    locks.mkdir(parents=True, exist_ok=True)
    return locks / f"download-{key}.lock"


def _download_one(folder, name, done, progress, cancelled, timeout, mirror, source):
    final = folder / f"{name}.gz"
    handle, temporary = tempfile.mkstemp(prefix=f".{name}.gz.", suffix=".part", dir=folder)
    os.close(handle)
    temporary = Path(temporary)
    failures = []
    try:
        for base in mirrors(mirror, source):
            try:
                read = _fetch(base + f"{name}.gz", temporary, name, progress, cancelled, done,
                              timeout, source.total_bytes)
            except DownloadCancelled:
                raise
            except (urllib.error.URLError, OSError, ValueError, http.client.HTTPException) as error:
                # (a malformed reply: http.client's own errors) -> the next mirror
                failures.append(_reason(error, timeout))
                continue
            if sha256_of_idx(temporary, RAW_SIZES[name], cancelled) != source.files[name][0]:
                failures.append(f"checksum mismatch (the file is corrupt or not {source.title})")
                continue
            os.replace(temporary, final)
            return read
    finally:
        temporary.unlink(missing_ok=True)
    raise DownloadError(f"{name}.gz: could not be downloaded ({'; '.join(dict.fromkeys(failures))})",
                        by_hand(source))


def _reason(error, timeout):
    if isinstance(error, (socket.timeout, TimeoutError)) or "timed out" in str(error):
        return f"no answer within {timeout:g} s"
    if isinstance(error, urllib.error.HTTPError):
        return f"HTTP {error.code} {error.reason}"
    if isinstance(error, urllib.error.ContentTooShortError):
        return f"transfer cut short: {error.args[0]}"
    if isinstance(error, urllib.error.URLError):
        return f"cannot connect: {error.reason}"
    if isinstance(error, http.client.HTTPException):
        return f"a malformed reply ({type(error).__name__}{': ' + str(error) if str(error) else ''})"
    return str(error)


def convert_to_hdf5(folder, target=None, source=MNIST):
    """Write the IDX data set in ``folder`` as the course's two HDF5 files (atomically),
    and its ``classes.txt`` when it has class names.

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
    files = {name: verified(folder, name, source) for name in source.files}
    missing = [name for name, path in files.items() if path is None]
    if missing:
        raise data.DataError(f"{folder}: no verified copy of {', '.join(missing)}")
    for out_name, (images, labels_name) in PARTS.items():
        X, labels, n_classes = idx.read_idx_arrays(files[images], files[labels_name])
        data.write_course_hdf5(target / out_name, X, labels, max(n_classes, 10),
                               attributes={SOURCES_ATTRIBUTE: _sources(out_name, source)})
    _write_class_names(target, source)
    return target
