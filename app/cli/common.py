"""What the commands share: exit statuses, the progress bar, the data they read, how
their outputs are written, their JSON, and what Ctrl-C and SIGTERM do."""

import contextlib
import os
import sys


EXIT_BAD_INPUT = 2


EXIT_DIVERGED = 3


EXIT_INTERRUPTED = 130


def progress(quiet, **options):
    """The command line's progress bar (tqdm): on stderr, samples unless said otherwise,
    as wide as the terminal, gone when done; none when ``quiet``."""
    from tqdm import tqdm

    return tqdm(**{"unit": "samples", "unit_scale": True, "file": sys.stderr, "dynamic_ncols": True,
                   "leave": False, "disable": quiet, **options})


def data_inputs(args):
    """Every path the data options (or, without them, the default folders) may read,
    after checking that they name the data once."""
    from compute.errors import DataError
    from compute.storage.sources import input_paths

    train = getattr(args, "train", None)
    if (train is None) != (args.test is None):
        raise DataError("--train and --test go together; name both files, or use --data DIR")
    if args.data and train:
        raise DataError("--data and --train/--test name the data twice; give one or the other")
    return input_paths(args.data, train, args.test)


def write_outputs(writes):
    """Write each requested output; one that fails is reported and never stops the others.

    ``writes`` holds (path or None, write): None is an output not asked for. Returns the
    paths that could not be written."""
    from compute.storage.files import FileWriteError

    failed = []
    for path, write in writes:
        if path is None:
            continue
        try:
            write()
        except (FileWriteError, OSError) as error:
            reason = str(error) if isinstance(error, FileWriteError) else (
                f"{path}: {error.strerror or error}")
            print(f"softmax-lab: error: not written: {reason}", file=sys.stderr)
            failed.append(path)
    return failed


def recorder(args):
    """The run history's recorder for a command that trains, or None with --no-history. A
    history that cannot be used, or a write that fails, is said in one line on stderr,
    and the command goes on."""
    if getattr(args, "no_history", False):
        return None
    from compute.engine.recording import Recorder

    def say(text):
        print(f"softmax-lab: not recorded in the run history: {text}", file=sys.stderr)

    made = Recorder(args.history, on_problem=say)
    if made.problem:
        say(f"{made.problem} (--no-history: do not try)")
    return made


def as_json(value):
    from compute.storage.export import json_text

    return json_text(value)


def result_of(training, diverged):
    """What ``train --json`` says of a run (and ``sweep --json`` of each of its runs)."""
    last = training.points[-1]
    return {"train_loss": last.train_loss, "train_accuracy": last.train_accuracy,
            "test_loss": last.test_loss, "test_accuracy": last.test_accuracy,
            "samples_seen": training.samples_seen, "updates": training.updates,
            "epochs": training.epoch, "train_seconds": training.train_seconds,
            "eval_seconds": training.eval_seconds, "settings": training.settings.as_dict(),
            "diverged": diverged}


def offscreen_application():
    """A QApplication to draw report pictures with, offscreen when there is no display."""
    import os

    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    return QApplication.instance() or QApplication([])


def quit_at_once(signum=None, frame=None):
    """A signal handler: remove every half-written temporary file and exit (130)."""
    from compute.storage.files import remove_partial_writes

    remove_partial_writes()
    os.write(2, b"softmax-lab: stopped at once; nothing half-written was left\n")
    os._exit(EXIT_INTERRUPTED)


def on_signals(handler):
    """Send SIGINT and SIGTERM to ``handler`` (from the main thread only: others receive
    no signals); returns the handlers they had."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        return {}
    return {number: signal.signal(number, handler) for number in (signal.SIGINT, signal.SIGTERM)}


def writing_outputs():
    """From here on the command only writes its outputs: a signal quits at once, leaving
    no half-written file (a KeyboardInterrupt inside Qt's start-up, say, aborted the
    process)."""
    on_signals(quit_at_once)


@contextlib.contextmanager
def stop_on_signals():
    """While the block runs, Ctrl-C (SIGINT) and SIGTERM: the first stops the work at its
    next step, as a KeyboardInterrupt, and the command writes what it was asked to from
    what it has; a second, or one while outputs are written, ends the process at once,
    removing any half-written temporary file first (the files it was to replace keep
    their old contents)."""
    def first(signum, frame):
        writing_outputs()
        raise KeyboardInterrupt

    before = on_signals(first)
    try:
        yield
    finally:
        import signal

        for number, handler in before.items():
            signal.signal(number, handler)
