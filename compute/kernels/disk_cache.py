"""numba's on-disk kernel cache, read as strictly as a user's file.

numba trusts every byte of its cache: a truncated index or data file raised a pickle
error, a folder where a file should be an IsADirectoryError, a full disk an OSError
while saving, and garbled object code made LLVM abort the process ("invalid
e_shentsize in ELF header"). :func:`guard` gives numba a cache file that

* writes a digest beside every data file it saves, and loads a data file only when its
  digest matches (else it is a miss: the kernel is compiled again and saved anew);
* treats an index it cannot read as empty (the next save writes a fresh one);
* lets a save fail quietly (a full or unwritable cache only means compiling next time).

It subclasses numba's ``IndexDataCacheFile`` (``numba.core.caching``), whose methods have
kept their names and meaning across numba releases; if a release changes them, the
guard stands down and numba's own behaviour remains.
"""

import hashlib
import os
import threading
from contextlib import contextmanager

#: The digest file written beside each data file.
DIGEST_SUFFIX = ".blake2b"

_loading_only = threading.local()


class NotCached(Exception):
    """A kernel that may only be loaded here is not in the cache (see :func:`load_only`)."""


@contextmanager
def load_only():
    """Within: a kernel this thread needs that is not in the cache raises
    :class:`NotCached` instead of being compiled (numba compiles in the calling thread)."""
    _loading_only.active = True
    try:
        yield
    finally:
        _loading_only.active = False


def _digest(path):
    with open(path, "rb") as f:
        return hashlib.blake2b(f.read(), digest_size=16).hexdigest()


def guard():
    """Install the guarded cache file for every kernel compiled from now on."""
    from numba.core import caching

    base = getattr(caching, "IndexDataCacheFile", None)
    needed = ("_load_index", "_load_data", "_save_data", "_data_path", "save", "load")
    if base is None or not all(hasattr(base, name) for name in needed) or getattr(base, "guarded", False):
        return

    class GuardedCacheFile(base):
        guarded = True

        def _load_index(self):
            try:
                return super()._load_index()
            except Exception:  # damaged: as if empty; the next save replaces it
                return {}

        def _load_data(self, name):
            path = self._data_path(name)
            try:
                with open(path + DIGEST_SUFFIX, encoding="ascii") as f:
                    expected = f.read().strip()
                if _digest(path) != expected:
                    raise OSError(f"{path}: damaged (its digest does not match)")
                return super()._load_data(name)
            except OSError:
                raise  # numba's load() counts an OSError as a miss
            except Exception as error:  # unpickling garbage
                raise OSError(f"{path}: damaged ({error})") from None

        def _save_data(self, name, data):
            super()._save_data(name, data)
            path = self._data_path(name)
            temporary = f"{path}{DIGEST_SUFFIX}.{os.getpid()}.tmp"
            with open(temporary, "w", encoding="ascii") as f:
                f.write(_digest(path))
            os.replace(temporary, path + DIGEST_SUFFIX)

        def load(self, key):
            data = super().load(key)
            if data is None and getattr(_loading_only, "active", False):
                raise NotCached(f"{getattr(self, '_index_path', 'the kernel cache')}: no entry for it")
            return data

        def save(self, key, data):
            try:
                super().save(key, data)
            except OSError:  # a full or unwritable cache: the kernel still runs
                pass

    caching.IndexDataCacheFile = GuardedCacheFile
