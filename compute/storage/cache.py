"""Data files converted once: their compact rows kept in the user's cache folder.

Reading MNIST's gzip-compressed HDF5 and converting it costs most of a second; reading
the converted rows back costs a few hundredths. An entry is keyed by what identifies the
source files' contents on disk (path, device, inode, size, modification and change
times: any write to a file changes its change time), and holds those facts again, so a
changed file is never served stale. Like git's "racily clean" files, a source whose
times cannot tell a later edit apart (whole-second time stamps, or modified within
:data:`RACY_NS` of its conversion) is also checked against the digest of its content
taken at conversion. An entry is read as strictly as a user's file: one that cannot be
read, whose checksums (the zip format's CRC-32 of every array) fail, whose arrays do not
hang together or whose sizes pass the data's bounds is removed and rebuilt, never
trusted.

The folder is ``$SOFTMAX_LAB_CACHE`` if set, else the platform's user cache folder
(``~/.cache/softmax-lab/rows`` on Linux); it is kept under :data:`MAX_BYTES`, the least
recently used entries going first; ``softmax-lab cache clear`` empties it.
"""

import hashlib
import json
import os
import time
import zipfile
from pathlib import Path

import numpy as np
import platformdirs

from .files import atomic_write
from ..kernels import LEVELS_8BIT, SparseRows
from ..kernels.layout import NO_LEVELS
from .sources import MAX_CLASSES, MAX_FEATURES

CACHE_ENV = "SOFTMAX_LAB_CACHE"
#: Bump when the layout of the rows or of an entry changes: older entries are then ignored.
FORMAT = 2
SUFFIX = ".rows.npz"
#: The cache's size limit (bytes): about thirty MNIST-sized data sets.
MAX_BYTES = 1 << 30
#: A source modified this close to its conversion (ns) is checked by content on use.
RACY_NS = 2_000_000_000


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


def file_digest(path):
    """A 128-bit BLAKE2b digest of a file's bytes, in hex."""
    digest = hashlib.blake2b(digest_size=16)
    with open(path, "rb") as f:
        while block := f.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def _racy(fact, stored_ns):
    """Whether a source's time stamps cannot tell an edit after ``stored_ns`` apart."""
    mtime_ns, ctime_ns = fact[4], fact[5]
    whole_seconds = mtime_ns % 1_000_000_000 == 0 and ctime_ns % 1_000_000_000 == 0
    return whole_seconds or stored_ns - max(mtime_ns, ctime_ns) < RACY_NS


def _entry(identity):
    digest = hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()
    return folder() / f"{digest[:32]}{SUFFIX}"


def entry_of(sources):
    """The file that holds, or would hold, the converted rows of ``sources`` as they are now."""
    return _entry(_identity(sources))


def recorded_digest(path):
    """The content digest the cache recorded for ``path`` when it converted the file as it
    is now (same file, size and times; not within their resolution of the conversion),
    or None: asking costs a small read, not a hash of the whole file."""
    try:
        identity = _identity([path])
        entry = _entry(identity)
        if entry.is_symlink() or not entry.is_file():
            return None
        with open(entry, "rb") as f, np.load(f, allow_pickle=False) as stored:
            meta = json.loads(bytes(stored["meta"]).decode())
        if meta.get("identity") != identity or _racy(identity["sources"][0], int(meta["stored_ns"])):
            return None
        digest = meta["digests"][0]
        return digest if isinstance(digest, str) else None
    except (OSError, ValueError, KeyError, IndexError, TypeError):
        return None


def _read(entry, identity):
    """The cached (rows, labels, n_classes), or None if the entry is not exactly right."""
    if entry.is_symlink() or not entry.is_file():
        return None
    with open(entry, "rb") as f, np.load(f, allow_pickle=False) as stored:
        meta = json.loads(bytes(stored["meta"]).decode())
        if meta.get("identity") != identity:
            return None  # a foreign entry, or one for an older version of the files
        arrays = {name: stored[name] for name in ("indptr", "indices", "values", "labels")}
    n_features, n_classes = int(meta["n_features"]), int(meta["n_classes"])
    digests, stored_ns = list(meta["digests"]), int(meta["stored_ns"])
    indptr, indices, values, labels = (arrays[k] for k in ("indptr", "indices", "values", "labels"))
    n = indptr.shape[0] - 1
    consistent = (1 <= n_features <= MAX_FEATURES and 2 <= n_classes <= MAX_CLASSES
                  and indptr.ndim == indices.ndim == values.ndim == labels.ndim == 1 and n >= 0
                  and indptr.dtype == np.int64 and indptr[0] == 0 and indptr[-1] == indices.shape[0]
                  == values.shape[0] and bool(np.all(indptr[1:] >= indptr[:-1]))
                  and indices.dtype in (np.uint16, np.int32)
                  and values.dtype in (np.uint8, np.float32) and labels.dtype == np.int32
                  and labels.shape == (n,) and (n == 0 or 0 <= labels.min() <= labels.max() < n_classes)
                  and (indices.size == 0 or 0 <= int(indices.min()) <= int(indices.max()) < n_features)
                  and (values.dtype == np.uint8 or bool(np.all((values >= 0) & (values <= 1))))
                  and len(digests) == len(identity["sources"]))
    if not consistent:
        return None
    for fact, digest in zip(identity["sources"], digests):
        if _racy(fact, stored_ns) and file_digest(fact[0]) != digest:
            return None  # edited within its time stamps' resolution
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
    else:
        try:
            os.utime(entry)  # recently used: evicted last
        except OSError:
            pass
    return found


def store(sources, rows, labels, n_classes):
    """Keep converted rows for the files ``sources`` (best effort: a cache that cannot be
    written only means converting again next time)."""
    _store(_identity(sources), rows, labels, n_classes)


def _store(identity, rows, labels, n_classes):
    entry = _entry(identity)
    try:
        meta = {"identity": identity, "n_features": rows.n_features, "n_classes": n_classes,
                "stored_ns": time.time_ns(),
                "digests": [file_digest(fact[0]) for fact in identity["sources"]]}
        entry.parent.mkdir(parents=True, exist_ok=True)
        with atomic_write(entry) as f:
            np.savez(f, indptr=rows.indptr, indices=rows.indices, values=rows.values, labels=labels,
                     meta=np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8))
        evict(keep=entry)
    except OSError:
        pass


def evict(limit=None, keep=None):
    """Remove the least recently used entries until the cache holds at most ``limit``
    bytes (default :data:`MAX_BYTES`), never ``keep``; returns the entries removed."""
    limit = MAX_BYTES if limit is None else limit
    sized = []
    for entry in entries():
        try:
            status = entry.lstat()
        except OSError:
            continue
        sized.append((status.st_mtime_ns, status.st_size, entry))
    total = sum(size for _, size, _ in sized)
    removed = []
    for _, size, entry in sorted(sized, key=lambda item: item[0]):
        if total <= limit:
            break
        if entry == keep:
            continue
        entry.unlink(missing_ok=True)
        total -= size
        removed.append(entry)
    return removed


def cached(sources, convert, variant=None):
    """(rows, labels, n_classes) for ``sources``: from the cache, else ``convert()``, kept.

    ``variant`` names a transform of the converted rows (kept apart from the rows
    themselves). A source that cannot even be looked at is left to ``convert`` to report.
    """
    try:
        identity = _identity(sources)
    except OSError:
        return convert()
    if variant:
        identity["variant"] = variant
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
    """Remove every entry (files only: anything else there is left alone); returns
    (entries, bytes) removed."""
    removed, size = 0, 0
    for entry in entries():
        if entry.is_symlink() or not entry.is_file():
            continue
        size += entry.stat().st_size
        entry.unlink(missing_ok=True)
        removed += 1
    return removed, size
