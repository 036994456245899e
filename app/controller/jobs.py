"""One way to run work off the GUI thread: results, errors and warnings come back as calls
on the GUI thread, and an error or a warning always reaches a handler (never a silent
thread death).

Built on superqt's workers (pool threads, queued signals). Every job names its error
handler, which superqt then calls instead of re-raising in the GUI thread.
"""

from superqt.utils import create_worker


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
    return create_worker(function, *args, _connect=connect, _start_thread=start, **kwargs)
