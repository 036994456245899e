"""What the application needs of the kernels' threads, so that only ``compute`` reaches
the kernels: how many cores they may use, how many threads the calling thread gives
them, and compiling them ahead of a run."""

from ..kernels.config import core_count, set_thread_count, thread_count

__all__ = ["core_count", "set_thread_count", "thread_count", "prepare"]


def prepare(rows, n_classes):
    """Compile (or load) what training on ``rows`` with ``n_classes`` needs, and warm
    the calling thread's parallel team, so that a run started later waits for neither:
    a mini-batch run's kernels first, then a sweep's and full-batch descent's."""
    from ..kernels import warm_up

    warm_up(rows, n_classes, force=True)
    warm_up(rows, n_classes, sweep=True)
    warm_up(rows, n_classes, full_batch=True)
