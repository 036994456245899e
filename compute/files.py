"""Writing files so that nothing half-written is ever left behind."""

import contextlib
import os
import re
import shutil
import tempfile
from pathlib import Path


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


def file_stem(name):
    """A run's name as a file name's stem: no extension it came with, no spaces or
    characters a file system could mind ("Run 7" -> "Run-7", "p.hdf5" -> "p")."""
    stem = re.sub(r"\.(hdf5|h5|csv|png)$", "", name.strip(), flags=re.IGNORECASE)
    return re.sub(r"[^A-Za-z0-9._()-]+", "-", stem).strip("-.") or "run"


class FileWriteError(OSError):
    """A file could not be written; the old file, if any, is untouched."""


@contextlib.contextmanager
def atomic_write(path, mode="wb", **open_options):
    """Open a temporary file beside ``path``; on success, flush it and rename it over ``path``.

    If the block raises (or the process dies), ``path`` keeps its old contents and the
    temporary file is removed (or, after a crash, left as a hidden ``.part`` file).

    Parameters
    ----------
    path : path
    mode : str
        ``"wb"`` or ``"w"``.
    **open_options
        Passed to :func:`open` (``newline``, ``encoding``).
    """
    path = Path(path)
    folder = path.parent
    if not folder.is_dir():
        raise FileWriteError(f"{path}: folder {folder} does not exist")
    if path.exists() and not path.is_file():
        # Renaming over it would replace a folder's entry, a device or a pipe (as root,
        # /dev/null itself) with a regular file.
        raise FileWriteError(f"{path}: is not a regular file; name a file to write")
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=folder)
    except OSError as error:
        raise FileWriteError(f"{path}: cannot write in {folder} ({error.strerror})") from None
    try:
        # mkstemp makes the file private (0600); give it the mode a plain open() would,
        # or keep the mode of the file it replaces.
        os.chmod(temporary, path.stat().st_mode & 0o777 if path.exists() else 0o666 & ~_umask())
        with os.fdopen(handle, mode, **open_options) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def check_output_file(path, inputs=()):
    """Raise :class:`FileWriteError` unless a regular file may be written at ``path``: its
    folder exists and is writable, and ``path`` is not a folder, a device, a pipe or a
    socket, nor one of the files ``inputs`` being read."""
    path = Path(path)
    folder = path.resolve().parent
    if not folder.is_dir():
        raise FileWriteError(f"{path}: folder {path.parent} does not exist")
    if not os.access(folder, os.W_OK):
        raise FileWriteError(f"{path}: cannot write in {folder}")
    if path.exists() and not path.is_file():
        kind = "a folder" if path.is_dir() else "not a regular file (a device, pipe or socket)"
        raise FileWriteError(f"{path}: is {kind}; name a file to write")
    if path.resolve() in {Path(p).resolve() for p in inputs}:
        raise FileWriteError(f"{path}: is an input of this command; name another file")


def check_new_folder(folder):
    """Raise :class:`FileWriteError` unless ``folder`` can be written as a new folder: its
    parent exists, and it does not exist yet or is empty."""
    folder = Path(folder)
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise FileWriteError(f"{folder}: already exists and is not empty; choose a new folder")
    if not folder.parent.is_dir():
        raise FileWriteError(f"{folder}: folder {folder.parent} does not exist")


@contextlib.contextmanager
def atomic_folder(folder):
    """Fill a hidden temporary folder beside ``folder``; rename it to ``folder`` on success.

    Yields the temporary folder's path. If the block raises, it is removed and ``folder``
    is left as it was; ``folder`` must be new or empty (:func:`check_new_folder`).
    """
    folder = Path(folder)
    check_new_folder(folder)
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
    try:
        yield staging
        staging.chmod(0o777 & ~_umask())  # mkdtemp made it private
        if folder.exists():
            folder.rmdir()
        os.replace(staging, folder)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
