"""PyInstaller runtime hook: numba's kernel cache goes to one per-user folder.

Without it numba keeps compiled kernels beside their sources, which a bundle installed
read-only cannot write, or in a folder it derives from the path it was started from, so
that every new working folder compiled again (8.8-9.2 s instead of a 1-1.25 s warm start).
A user's own NUMBA_CACHE_DIR wins.
"""
import os

from platformdirs import user_cache_path

os.environ.setdefault("NUMBA_CACHE_DIR", str(user_cache_path("softmax-lab", appauthor=False) / "numba"))
