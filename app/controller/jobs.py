"""One way to run work off the GUI thread: results, errors and warnings come back as calls
on the GUI thread, and an error or a warning always reaches a handler (never a silent
thread death).

Built on superqt's workers (pool threads, queued signals). Every job names its error
handler, which superqt then calls instead of re-raising in the GUI thread.
"""

import time

from PySide6.QtCore import QCoreApplication, QEventLoop, QThreadPool
from superqt.utils import create_worker

#: Jobs made and not yet finished (superqt queues a job's start on a 1 ms timer, so the
#: thread pool does not know of it yet: waiting for the pool alone missed such a job,
#: which then started on a deleted object while the application quit).
_UNFINISHED = set()


def warning_text(warning):
    """One line for a warning caught in a worker (superqt's ``warned`` arguments)."""
    message, category = warning[0], warning[1]
    return f"{category.__name__}: {message}"


def run_in_background(function, *args, on_error, on_result=None, on_yield=None, on_warning=None,
                      on_finished=None, start=True, **kwargs):
    """Run ``function(*args, **kwargs)`` in a pool thread.

    Parameters
    ----------
    function : callable
        A plain function (its return value goes to ``on_result``) or a generator
        function (each yielded value goes to ``on_yield``; it can be paused and quit).
    on_error : callable(Exception)
        Called on the GUI thread with anything ``function`` raised. Required: every job
        says where its errors go.
    on_result, on_yield, on_finished : callable, optional
    on_warning : callable(str), optional
        A warning raised in the job, as one line; by default it goes to ``on_error`` as a
        ``Warning`` exception so it is seen.
    start : bool
        Start at once (default), or leave it to the caller (after connecting more).

    Returns
    -------
    superqt.utils.WorkerBase
        The worker (``quit()``, ``pause()``, ``resume()`` for a generator).
    """
    if on_warning is None:
        def on_warning(text):
            on_error(Warning(text))
    connect = {"errored": on_error, "warned": lambda warning: on_warning(warning_text(warning))}
    for signal, handler in (("returned", on_result), ("yielded", on_yield), ("finished", on_finished)):
        if handler is not None:
            connect[signal] = handler
    # Started only once its end is watched: outside an event loop superqt starts a job at
    # once, and a quick one ended before a later connection saw it.
    worker = create_worker(function, *args, _connect=connect, _start_thread=False, **kwargs)
    _UNFINISHED.add(worker)
    worker.finished.connect(lambda: _UNFINISHED.discard(worker))
    if start:
        worker.start()
    return worker


def wait_for_jobs(timeout_ms):
    """Wait up to ``timeout_ms`` for every job made so far to finish, those whose start is
    still queued included (their results are delivered meanwhile). True when none is left."""
    deadline = time.monotonic() + timeout_ms / 1000
    while _UNFINISHED and time.monotonic() < deadline:
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 10)
        QThreadPool.globalInstance().waitForDone(10)
    return not _UNFINISHED
