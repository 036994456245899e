"""The one place that decides how numba compiles Softmax Lab's kernels (it sets numba's
environment when first imported, before numba is: every kernel module imports it first).

Every kernel module imports :func:`jit` from here instead of calling
``numba.njit`` with its own literals, so that the options below hold everywhere:

* ``nogil=True``: kernels release the GIL, so the GUI thread keeps running while a
  worker thread trains.
* ``cache=True``: compiled code is kept on disk; a warm start reaches the first
  update without compiling.
* ``fastmath`` limited to ``reassoc`` and ``contract`` (reordering sums and fused
  multiply-add), and none at all for the training kernels (``exact=True``).
  ``nnan``/``ninf`` are left out on purpose: divergence must stay visible as NaN/inf
  so the training loop can stop with advice.
"""

import functools
import os
import threading

# SLP vectorisation packs the 16-lane row updates of the sparse kernels into SIMD
# registers; numba reads this variable once, when it is first imported.
os.environ.setdefault("NUMBA_SLP_VECTORIZE", "1")
# Parallel kernels run on OpenMP threads (numba's "omp" layer). By default they spin for
# a while after each parallel region, waiting for the next: on a desktop where other
# programs (or our own GUI and training threads) want the cores, that spinning took their
# time (measured with two busy processes: an evaluation 0.56 s spinning, 0.30 s sleeping).
# Idle threads sleep instead; the OpenMP runtime reads this when numba first loads it. A
# user's own setting wins.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numba  # noqa: E402  (must follow the environment set-up above)
import numpy as np  # noqa: E402

from .disk_cache import guard  # noqa: E402

guard()  # before any kernel is compiled: numba's disk cache, read as a stranger's file

FASTMATH = frozenset({"reassoc", "contract"})

_OPTIONS = {
    "nogil": True,
    "cache": True,
    "fastmath": set(FASTMATH),
    "error_model": "numpy",
    "boundscheck": False,
}

#: Serialises calls into ``parallel=True`` kernels. numba's ``workqueue`` threading
#: layer aborts the process when two threads launch parallel regions at once (the
#: training worker and a GUI-side evaluation, say); the lock makes that safe with
#: every threading layer. Serial kernels never take it.
PARALLEL_LOCK = threading.Lock()


def jit(function=None, *, parallel=False, exact=False, inline=False):
    """Compile ``function`` with Softmax Lab's numba options.

    Parameters
    ----------
    function : callable, optional
        The Python function to compile. When omitted, returns a decorator.
    parallel : bool
        Compile with ``parallel=True`` so that ``numba.prange`` splits loops over
        threads. Callers of such kernels must hold :data:`PARALLEL_LOCK`.
    exact : bool
        No fastmath at all: every multiply and add rounds on its own, in the order
        written. The training kernels and their row cores use it:

        * the same code then gives the same bits wherever it is compiled or inlined,
          which is what keeps a sweep's models equal to runs alone (with ``contract``,
          whether LLVM fuses a multiply into an add depended on the code around it:
          seen as 1-ulp differences between the two);
        * with ``reassoc``, LLVM vectorised a fixed-width lane loop nested in a loop
          over non-zeros as 16 reductions with gathers instead of keeping the lanes in
          registers (measured 3.5x slower).

        It costs no speed we could measure: a batch-100 epoch took 24-29 ms with
        ``contract`` and 25-29 ms without (three rounds of nine, one thread).
    inline : bool
        Inline the function into its callers at numba's level (``inline="always"``), so
        that no call passes arrays: each such call updates reference counts atomically.
        The inlined code takes the caller's fastmath flags, so a function that needs
        ``exact=True`` must not be inlined into callers without it (LLVM still inlines
        it, flags kept).
    """
    options = dict(_OPTIONS, parallel=parallel)
    if inline:
        options["inline"] = "always"
    if exact:
        options["fastmath"] = set()
    if function is None:
        return lambda f: _compile(f, options)
    return _compile(function, options)


def _compile(function, options):
    if numba.config.DISABLE_JIT:
        return _numpy_error_model(function)
    return numba.njit(**options)(function)


def _numpy_error_model(function):
    """``function`` as plain Python that, like ``error_model="numpy"``, lets 0 * inf and
    overflow give NaN and inf silently (under ``NUMBA_DISABLE_JIT=1``, for debugging)."""
    @functools.wraps(function)
    def quiet(*args):
        with np.errstate(all="ignore"):
            return function(*args)
    return quiet


def thread_count():
    """Number of threads that ``parallel=True`` kernels split their work over."""
    return numba.get_num_threads()


def core_count():
    """Cores the parallel kernels may use at most (numba's thread count at start)."""
    return numba.config.NUMBA_NUM_THREADS


def set_thread_count(count):
    """In the calling thread only, let parallel kernels use ``count`` threads."""
    numba.set_num_threads(max(1, min(count, core_count())))
