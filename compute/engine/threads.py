"""What the application needs of the kernels' threads, so that only ``compute`` reaches
the kernels: how many cores they may use, how many threads the calling thread gives
them, and compiling them ahead of a run."""

from ..kernels.config import core_count, set_thread_count, thread_count

__all__ = ["core_count", "set_thread_count", "thread_count", "prepare"]


def prepare(rows, n_classes):
    """Compile (or load) what training on ``rows`` with ``n_classes`` needs, and warm
    the calling thread's parallel team, so that a run started later waits for neither:
    a mini-batch run's kernels first, then a sweep's and full-batch descent's. What the
    disk cache lacks is compiled in another process (see :mod:`compute.kernels.ahead`)."""
    from ..kernels import ahead

    ahead.prepare(rows, n_classes)
