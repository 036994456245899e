"""Writing files so that nothing half-written is ever left behind."""

import contextlib
import os
import re
import shutil
import stat
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


def require_file(path, what="a data file"):
    """The input guard: ``path`` as a Path when it is a regular file (or a link to one),
    else :class:`compute.errors.DataError` at once, never an open() that would block on
    a FIFO or read a device."""
    from ..errors import DataError

    path = Path(path)
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise DataError(f"{path}: no such file") from None
    except OSError as error:  # a loop of links, a name too long, no permission
        raise DataError(f"{path}: cannot be read ({error.strerror})") from None
    if stat.S_ISDIR(mode):
        raise DataError(f"{path}: is a folder; expected {what}")
    if not stat.S_ISREG(mode):
        raise DataError(f"{path}: is not a regular file (a pipe, device or socket); expected {what}")
    return path


class FileWriteError(OSError):
    """A file could not be written; the old file, if any, is untouched."""


#: Temporary files and folders being written now: removed by remove_partial_writes when
#: the process must exit at once (a second Ctrl-C), so that nothing half-written is left.
_PARTIAL = set()


def remove_partial_writes():
    """Remove every temporary file and folder that a write in progress has made; the
    files they were to replace keep their old contents."""
    for path in list(_PARTIAL):
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)


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
    _PARTIAL.add(Path(temporary))
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
    finally:
        _PARTIAL.discard(Path(temporary))


def _inode(path):
    try:
        status = os.stat(path)
    except OSError:
        return None
    return status.st_dev, status.st_ino


#: The longest file name most file systems take (bytes).
NAME_MAX = 255


def _check_name(path):
    if len(os.fsencode(path.name)) > NAME_MAX:
        raise FileWriteError(f"{path.parent / path.name[:40]}...: a name of "
                             f"{len(os.fsencode(path.name))} bytes; file systems take at most {NAME_MAX}")


def _probe(folder, path, make):
    """Create and remove a hidden temporary entry in ``folder``: the one sure test that
    the file system takes a new entry there (read-only, /proc, no permission)."""
    try:
        made = Path(make(prefix=".softmax-lab-probe-", dir=folder))
    except OSError as error:
        raise FileWriteError(f"{path}: cannot write in {folder} ({error.strerror})") from None
    if made.is_dir():
        made.rmdir()
    else:
        made.unlink()


def _make_file(**options):
    handle, name = tempfile.mkstemp(**options)
    os.close(handle)
    return name


def check_output_file(path, inputs=()):
    """Raise :class:`FileWriteError` unless a regular file may be written at ``path``: its
    folder exists and takes new files, its name fits, and ``path`` is not a folder, a
    device, a pipe or a socket, nor (by name, link or inode) one of the files or folders
    ``inputs`` read."""
    path = Path(path)
    _check_name(path)
    try:
        folder = path.resolve().parent
    except (OSError, RuntimeError) as error:  # a loop of links
        raise FileWriteError(f"{path}: cannot be resolved ({error})") from None
    if not folder.is_dir():
        raise FileWriteError(f"{path}: folder {path.parent} does not exist")
    _probe(folder, path, _make_file)
    if path.exists() and not path.is_file():
        kind = "a folder" if path.is_dir() else "not a regular file (a device, pipe or socket)"
        raise FileWriteError(f"{path}: is {kind}; name a file to write")
    _refuse_inputs(path, inputs)


def _refuse_inputs(path, inputs):
    resolved, inode = path.resolve(), _inode(path)
    for source in inputs:
        if resolved == Path(source).resolve() or (inode is not None and inode == _inode(source)):
            raise FileWriteError(f"{path}: is one of the inputs being read ({source}); "
                                 "name another file")


def check_outputs(outputs, inputs=()):
    """The output guard: before any work starts, refuse every output that would
    overwrite what the user owns.

    Parameters
    ----------
    outputs : iterable of (option, path, is_folder)
        What the command will write: a file (``is_folder`` false), or a new folder.
        ``option`` (``"--save"``; None in the studio) starts the message; outputs whose
        path is None are left out; an empty name is refused.
    inputs : iterable of path
        Every file and folder the command reads, named or found (see
        :func:`compute.storage.sources.input_paths`): an output that is one of them, links to one
        (symbolic or hard link) is refused.

    Raises
    ------
    FileWriteError
        One line naming the option, the path and what is wrong: an input, two options
        naming the same path, a folder or device where a file is due, a folder that does
        not exist or cannot be written, a new folder that is not empty.
    """
    inputs = list(inputs)
    seen = {}
    for option, path, is_folder in outputs:
        if path is None:
            continue
        try:
            if not str(path).strip():
                raise FileWriteError(f"an empty name was given; name a new {'folder' if is_folder else 'file'}")
            if is_folder:
                check_new_folder(Path(path))
                _refuse_inputs(Path(path), inputs)
            else:
                check_output_file(path, inputs)
        except FileWriteError as error:
            raise FileWriteError(f"{option}: {error}" if option else str(error)) from None
        resolved = Path(path).resolve()
        if resolved in seen:
            raise FileWriteError(f"{path}: is named by both {seen[resolved]} and {option}; "
                                 "name a different file for each")
        seen[resolved] = option


def check_new_folder(folder):
    """Raise :class:`FileWriteError` unless ``folder`` can be written as a new folder: its
    parent exists, and it does not exist yet or is empty."""
    folder = Path(folder)
    _check_name(folder)
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise FileWriteError(f"{folder}: already exists and is not empty; choose a new folder")
    if not folder.parent.is_dir():
        raise FileWriteError(f"{folder}: folder {folder.parent} does not exist")
    _probe(folder.parent, folder, tempfile.mkdtemp)


@contextlib.contextmanager
def atomic_folder(folder):
    """Fill a hidden temporary folder beside ``folder``; rename it to ``folder`` on success.

    Yields the temporary folder's path. If the block raises, it is removed and ``folder``
    is left as it was; ``folder`` must be new or empty (:func:`check_new_folder`).
    """
    folder = Path(folder)
    check_new_folder(folder)
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
    _PARTIAL.add(staging)
    try:
        yield staging
        staging.chmod(0o777 & ~_umask())  # mkdtemp made it private
        if folder.exists():
            folder.rmdir()
        os.replace(staging, folder)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    finally:
        _PARTIAL.discard(staging)
