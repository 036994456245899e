"""Data files converted once: their compact rows kept in the user's cache folder.

Reading MNIST's gzip-compressed HDF5 and converting it costs most of a second; reading
the converted rows back costs a few hundredths. An entry is keyed by what identifies the
source files' contents on disk (path, device, inode, size, modification and change
times: any write to a file changes its change time), and holds those facts again, so a
changed file is never served stale. An entry that cannot be read, whose checksums (the
zip format's CRC-32 of every array) fail, or whose arrays do not hang together, is
removed and rebuilt, never trusted.

The folder is ``$SOFTMAX_LAB_CACHE`` if set, else the platform's user cache folder
(``~/.cache/softmax-lab/rows`` on Linux); ``softmax-lab cache clear`` empties it.
"""

import hashlib
import json
import os
import zipfile
from pathlib import Path

import numpy as np
import platformdirs

from .files import atomic_write
from .kernels import LEVELS_8BIT, SparseRows
from .kernels.layout import NO_LEVELS

CACHE_ENV = "SOFTMAX_LAB_CACHE"
#: Bump when the layout of the rows or of an entry changes: older entries are then ignored.
FORMAT = 1
SUFFIX = ".rows.npz"


def folder():
    """Where converted rows are kept."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV])
    return Path(platformdirs.user_cache_dir("softmax-lab", appauthor=False)) / "rows"


def _identity(sources):
    facts = []
    for source in sources:
        path = Path(source).resolve()
        stat = path.stat()
        facts.append([str(path), stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns,
                      stat.st_ctime_ns])
    return {"format": FORMAT, "sources": facts}


def _entry(identity):
    digest = hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()
    return folder() / f"{digest[:32]}{SUFFIX}"


def _read(entry, identity):
    """The cached (rows, labels, n_classes), or None if the entry is not exactly right."""
    with open(entry, "rb") as f, np.load(f, allow_pickle=False) as stored:
        meta = json.loads(bytes(stored["meta"]).decode())
        if meta.get("identity") != identity:
            return None  # a foreign entry, or one for an older version of the files
        arrays = {name: stored[name] for name in ("indptr", "indices", "values", "labels")}
    n_features, n_classes = int(meta["n_features"]), int(meta["n_classes"])
    indptr, indices, values, labels = (arrays[k] for k in ("indptr", "indices", "values", "labels"))
    n = indptr.shape[0] - 1
    consistent = (indptr.dtype == np.int64 and indptr[0] == 0 and indptr[-1] == indices.shape[0]
                  == values.shape[0] and bool(np.all(indptr[1:] >= indptr[:-1]))
                  and values.dtype in (np.uint8, np.float32) and labels.dtype == np.int32
                  and labels.shape == (n,) and (n == 0 or 0 <= labels.min() <= labels.max() < n_classes)
                  and (indices.size == 0 or int(indices.max()) < n_features))
    if not consistent:
        return None
    levels = LEVELS_8BIT if values.dtype == np.uint8 else NO_LEVELS
    return SparseRows(indptr, indices, values, levels, n_features), labels, n_classes


def load(sources):
    """Cached (rows, labels, n_classes) for the files ``sources``, or None.

    A bad entry is removed on the way.
    """
    return _load(_identity(sources))


def _load(identity):
    entry = _entry(identity)
    if not entry.is_file():
        return None
    try:
        found = _read(entry, identity)
    except (OSError, ValueError, KeyError, TypeError, EOFError, zipfile.BadZipFile):
        found = None
    if found is None:
        entry.unlink(missing_ok=True)
    return found


def store(sources, rows, labels, n_classes):
    """Keep converted rows for the files ``sources`` (best effort: a cache that cannot be
    written only means converting again next time)."""
    _store(_identity(sources), rows, labels, n_classes)


def _store(identity, rows, labels, n_classes):
    entry = _entry(identity)
    meta = {"identity": identity, "n_features": rows.n_features, "n_classes": n_classes}
    try:
        entry.parent.mkdir(parents=True, exist_ok=True)
        with atomic_write(entry) as f:
            np.savez(f, indptr=rows.indptr, indices=rows.indices, values=rows.values, labels=labels,
                     meta=np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8))
    except OSError:
        pass


def cached(sources, convert):
    """(rows, labels, n_classes) for ``sources``: from the cache, else ``convert()``, kept.

    A source that cannot even be looked at is left to ``convert`` to report.
    """
    try:
        identity = _identity(sources)
    except OSError:
        return convert()
    found = _load(identity)
    if found is None:
        found = convert()
        _store(identity, *found)
    return found


def entries():
    """The cache's entries (files)."""
    where = folder()
    return sorted(where.glob(f"*{SUFFIX}")) if where.is_dir() else []


def clear():
    """Remove every entry; returns (entries, bytes) removed."""
    removed, size = 0, 0
    for entry in entries():
        size += entry.stat().st_size
        entry.unlink(missing_ok=True)
        removed += 1
    return removed, size
