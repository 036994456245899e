"""Making the kernels ready ahead of a run, without stalling the process that asked.

numba's compiler is Python: compiling in a thread of the studio's process held the GIL
in slices of up to 100-190 ms for 10 s on a first start (its full garbage collections
alone took 45-100 ms each), and the window stalled with it. So :func:`prepare` first
only loads what the disk cache holds; what it lacks is compiled by a child process
(``python -m compute.kernels.ahead``), which fills the cache, and is then loaded here
(0.4 s, one pause of about 40 ms). If the child cannot do it, it is compiled here, as
before.
"""

import os
import pickle
import subprocess
import sys
from pathlib import Path

import numpy as np

from .disk_cache import NotCached, load_only
from .public import WARMING, tiny_rows, warm_up

#: What a run needs first, then what a sweep and full-batch descent add.
VARIANTS = ({"force": True}, {"sweep": True}, {"full_batch": True})
#: The folder that holds the ``compute`` package (the child imports it from there too).
_ROOT = Path(__file__).resolve().parents[2]


def prepare(rows, n_classes):
    """Load, or have compiled elsewhere and then load, what training on ``rows`` with
    ``n_classes`` needs (:data:`VARIANTS`, in turn), and warm the calling thread's
    parallel team. A run's warm-up meanwhile waits for the variant being prepared."""
    tiny = tiny_rows(rows)
    for variant in VARIANTS:
        with WARMING:
            try:
                with load_only():
                    warm_up(tiny, n_classes, **variant)
            except NotCached:
                compile_elsewhere(tiny, n_classes, variant)
                warm_up(tiny, n_classes, **variant)  # loaded; compiled here if the child failed


def compile_elsewhere(rows, n_classes, variant):
    """Compile ``variant``'s kernels for ``rows``' layout in a child process, filling the
    disk cache; True when it did."""
    if not sys.executable:  # (an embedded interpreter: no program to start)
        return False
    environment = dict(os.environ)
    environment["PYTHONPATH"] = os.pathsep.join(filter(None, [str(_ROOT), os.environ.get("PYTHONPATH")]))
    # numba compiles a read-only array apart from a writable one, and pickling loses the flag
    readonly = [name for name, value in vars(rows).items()
                if isinstance(value, np.ndarray) and not value.flags.writeable]
    try:
        done = subprocess.run([sys.executable, "-m", __name__],
                              input=pickle.dumps((rows, readonly, n_classes, variant)),
                              capture_output=True, env=environment, timeout=600)
    except (OSError, subprocess.SubprocessError):
        return False
    return done.returncode == 0


def _main():
    rows, readonly, n_classes, variant = pickle.loads(sys.stdin.buffer.read())
    for name in readonly:
        getattr(rows, name).flags.writeable = False
    variant = {**variant, "force": False}  # (compiling only: no thread team to warm)
    warm_up(rows, n_classes, **variant)


if __name__ == "__main__":
    _main()
