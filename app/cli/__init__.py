"""The ``softmax-lab`` command line: train, evaluate, bench (and the GUI with no command).

One module a kind: :mod:`.parser` (every command's options), :mod:`.common` (exit
statuses, progress, outputs, signals), :mod:`.training` (``train``, ``sweep``,
``assignment``) and :mod:`.tools` (the rest).

Exit status: 0 on success, 2 on bad input or settings, 3 when training diverged,
130 when interrupted.
"""

import contextlib
import sys

from . import history, tools, training
from .common import EXIT_BAD_INPUT, EXIT_DIVERGED, EXIT_INTERRUPTED, stop_on_signals
from .parser import build_parser, settings_from

__all__ = ["EXIT_BAD_INPUT", "EXIT_DIVERGED", "EXIT_INTERRUPTED", "advice", "build_parser", "main",
           "settings_from"]


def advice(error):
    """How to fix ``error`` from the command line (the engine says only what is wrong)."""
    from compute.errors import DownloadCancelled, DownloadError, NoDataFound

    if isinstance(error, NoDataFound):
        return (f"; pass --data DIR (MNIST's HDF5 or IDX files), set {error.variable}, "
                "or run 'softmax-lab download'")
    if isinstance(error, DownloadError) and not isinstance(error, DownloadCancelled):
        from compute.storage.data import DATA_ENV  # already loaded: the download needed it

        return f". Offline? {error.by_hand}, then pass --data DIR or set {DATA_ENV}"
    return ""


def main(argv=None):
    """Entry point of the ``softmax-lab`` command."""
    from compute.errors import DataError
    from compute.storage.files import FileWriteError
    from compute.settings import SettingsError

    # A file name that is not valid UTF-8, or a β under LC_ALL=C, is printed escaped
    # rather than ending the command with a UnicodeEncodeError.
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    parser = build_parser()
    # The studio takes Qt's own arguments too (-style fusion, -platform offscreen, -reverse):
    # what is not ours goes to Qt, for the studio only.
    args, args.qt_arguments = parser.parse_known_args(argv)
    if args.qt_arguments and args.command not in (None, "gui"):
        parser.error(f"unrecognized arguments: {' '.join(args.qt_arguments)}")
    handlers = {**training.COMMANDS, **tools.COMMANDS, **history.COMMANDS}
    stoppable = args.command in ("train", "sweep", "assignment")
    try:
        with stop_on_signals() if stoppable else contextlib.nullcontext():
            return handlers[args.command](args)
    except (DataError, SettingsError, FileWriteError) as error:
        print(f"softmax-lab: error: {error}{advice(error)}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        if args.command == "download":
            print("softmax-lab: download cancelled; nothing was changed", file=sys.stderr)
        elif args.command == "assignment":
            print("softmax-lab: assignment stopped; its report needs all four experiments, so "
                  "nothing was written", file=sys.stderr)
        else:
            print("softmax-lab: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
