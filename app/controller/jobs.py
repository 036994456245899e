"""One way to run work off the GUI thread: results, errors and warnings come back as calls
on the GUI thread, and an error or a warning always reaches a handler (never a silent
thread death).

Built on superqt's workers (pool threads, queued signals). Every job names its error
handler, which superqt then calls instead of re-raising in the GUI thread.

A job's warnings are those raised in its thread. superqt catches warnings by replacing
Python's process-wide ``warnings.showwarning`` while a job runs, so it also caught
warnings of the GUI thread and of other jobs, and two overlapping jobs could leave a
finished job's hook in place: a plot's "All-NaN slice" warning once showed as the draw
tab's "cannot classify". Each warning is sorted in the thread that raised it: a job's
goes to its handler, any other is shown as Python shows it.
"""

import functools
import inspect
import itertools
import sys
import threading
import time
import warnings

from PySide6.QtCore import QCoreApplication, QEventLoop, QObject, Qt, QThreadPool, Signal
from superqt.utils import create_worker

#: Jobs made and not yet finished (superqt queues a job's start on a 1 ms timer, so the
#: thread pool does not know of it yet: waiting for the pool alone missed such a job,
#: which then started on a deleted object while the application quit).
_UNFINISHED = set()


#: The job running in each pool thread (thread id -> its number), for its warnings.
_RUNNING = {}
#: Each unfinished job's warning handler (job number -> callable), read in the GUI thread.
_ON_WARNING = {}
_NUMBERS = itertools.count()


class _Relay(QObject):
    """Carries jobs' warnings from their threads to the GUI thread (a queued signal).

    One for the whole process, made in the GUI thread and never deleted: a relay for each
    job, deleted with ``deleteLater`` after it, crashed the process now and then. Its last
    Python reference could go in the pool thread while the GUI thread deleted it (a
    segfault in shiboken's ``releaseWrapper``, after a few quick jobs: the History tab)."""
    warned = Signal(int, str)


_relay = None


def _deliver(number, text):
    handler = _ON_WARNING.get(number)
    if handler is not None:
        handler(text)


def _sort_warning(warning):
    """Called in the thread that raised ``warning`` (superqt's ``warned`` arguments)."""
    number = _RUNNING.get(threading.get_ident())
    if number is not None:
        _relay.warned.emit(number, warning_text(warning))
    else:  # not a job's: shown as Python shows it
        message, category, filename, lineno = warning[:4]
        sys.stderr.write(warnings.formatwarning(message, category, filename, lineno))


def _in_own_thread(function, number):
    """``function`` wrapped to register job ``number`` for its thread while it runs (a
    generator function stays one: superqt then makes a pausable worker)."""
    def mark():
        _RUNNING[threading.get_ident()] = number

    def unmark():
        _RUNNING.pop(threading.get_ident(), None)

    if inspect.isgeneratorfunction(function):
        @functools.wraps(function)
        def job(*args, **kwargs):
            mark()
            try:
                return (yield from function(*args, **kwargs))
            finally:
                unmark()
    else:
        @functools.wraps(function)
        def job(*args, **kwargs):
            mark()
            try:
                return function(*args, **kwargs)
            finally:
                unmark()
    return job


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
    global _relay
    if _relay is None:
        _relay = _Relay()
        _relay.warned.connect(_deliver)
    number = next(_NUMBERS)
    _ON_WARNING[number] = on_warning
    connect = {"errored": on_error}
    for signal, handler in (("returned", on_result), ("yielded", on_yield), ("finished", on_finished)):
        if handler is not None:
            connect[signal] = handler
    # Started only once its end is watched: outside an event loop superqt starts a job at
    # once, and a quick one ended before a later connection saw it.
    worker = create_worker(_in_own_thread(function, number), *args, _connect=connect,
                           _start_thread=False, **kwargs)
    worker.warned.connect(_sort_warning, Qt.ConnectionType.DirectConnection)
    _UNFINISHED.add(worker)

    def finished():  # (after any warning the job raised: both queued, in order)
        _ON_WARNING.pop(number, None)
        _UNFINISHED.discard(worker)

    worker.finished.connect(finished)
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
