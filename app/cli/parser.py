"""The command line's options: the parser of every command, and the settings they give."""

import argparse
from dataclasses import replace


def _batch_size(text):
    if text == "full":
        return "full"
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number or 'full', got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _whole(low):
    """An argparse type: a whole number >= ``low``."""
    def parse(text):
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
        if value < low:
            raise argparse.ArgumentTypeError(f"must be at least {low}, got {value}")
        return value
    return parse


def _add_data_options(parser, train=True):
    group = parser.add_argument_group("data (default: $SOFTMAX_LAB_DATA, then the user data folder)")
    group.add_argument("--data", metavar="DIR",
                       help="folder with mnist_traindata.hdf5 + mnist_testdata.hdf5 or the four IDX files")
    if train:
        group.add_argument("--train", metavar="F", help="training file (course HDF5 schema)")
    group.add_argument("--test", metavar="F", help="test file (course HDF5 schema)")


def _add_history_options(parser, recording=True):
    group = parser.add_argument_group("run history (default: $SOFTMAX_LAB_HISTORY, then the user "
                                      "data folder's history)")
    group.add_argument("--history", metavar="DIR", help="the run history's folder")
    if recording:
        group.add_argument("--no-history", action="store_true", help="do not record in the run history")


def _add_setting_options(parser, sweep=False):
    """The settings' options of ``train``; for ``sweep`` each takes a comma list of values
    (numbers also a log range low:high:count), kept as text for compute.engine.sweep to parse."""
    from compute.settings import FEATURES, INITS, OPTIMIZERS, PRESETS, SCHEDULES

    def option(name, kind, metavar, help=None, choices=None, group=parser):
        if sweep:
            listed = f"one or more of {', '.join(choices)}, comma-separated" if choices else (
                "values: a comma list, or low:high:count on a log scale")
            group.add_argument(name, metavar=metavar if choices is None else "A,B",
                               help=f"{help + '; ' if help else ''}{listed}")
        else:
            group.add_argument(name, type=kind, metavar=metavar, help=help, choices=choices)

    parser.add_argument("--preset", choices=list(PRESETS),
                        help="start from a preset; the options below override it")
    option("--optimizer", str, None, choices=list(OPTIMIZERS))
    option("--batch-size", _batch_size, "N|full")
    option("--learning-rate", float, "X")
    option("--epochs", int, "E")
    option("--eval-every", int, "N", help="a point every N samples (default 5000)")
    option("--seed", _whole(0), "S")
    option("--l2", float, "X", help="L2 weight decay")
    option("--schedule", str, None, help="learning-rate schedule (formulas in the README)",
           choices=list(SCHEDULES))
    option("--step-factor", float, "F", help="step schedule: multiply the rate by F at each step "
                                             "(default 0.5)")
    option("--step-epochs", float, "E", help="step schedule: a step every E epochs, fractions "
                                             "allowed (default: a third of the run)")
    option("--inverse-decay", float, "K", help="inverse schedule: rate / (1 + K * epoch) (default 1)")
    extras = parser.add_argument_group("optimizer settings (defaults: the optimizer's usual ones)")
    option("--momentum", float, "M", help="momentum, nesterov (default 0.9)", group=extras)
    option("--beta1", float, "B", help="adam (default 0.9)", group=extras)
    option("--beta2", float, "B", help="adam (default 0.999)", group=extras)
    option("--epsilon", float, "E", help="adagrad, rmsprop, adam (default 1e-8)", group=extras)
    option("--rho", float, "R", help="rmsprop (default 0.99)", group=extras)
    parser.add_argument("--no-shuffle", action="store_true", help="visit samples in file order")
    option("--init", str, None, help="initial weights", choices=list(INITS))
    inputs = parser.add_argument_group("inputs (what the model reads of each image; square images only)")
    inputs.add_argument("--deskew", action="store_true",
                        help="centre each image and undo its slant first (for digits: it costs "
                             "Fashion-MNIST 1.5 points: see --preset best-gradients)")
    option("--features", str, None, help="pixels (default), or gradient-orientation histograms",
           choices=list(FEATURES), group=inputs)
    option("--cell", int, "PX", help="gradients: cells of PX pixels (default 6)", group=inputs)
    option("--stride", int, "PX", help="gradients: a cell every PX pixels (default 3)", group=inputs)
    option("--orientations", int, "N", help="gradients: N directions (default 8)", group=inputs)


#: What ``runs list --sort`` orders by (the best accuracy first, the newest first).
SORT_KEYS = ("id", "name", "created", "test_accuracy", "test_loss", "optimizer", "status")


def build_parser():
    from compute.settings import PRESETS

    parser = argparse.ArgumentParser(
        prog="softmax-lab",
        description="Train and study softmax regression on handwritten digits. "
                    "With no command, opens the desktop application.")
    from app.resources import version

    parser.add_argument("--version", action="version", version=f"softmax-lab {version()}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    train = commands.add_parser("train", help="train a model and report its curves",
                                description="Train softmax regression; a progress bar runs on stderr.")
    _add_data_options(train)
    _add_setting_options(train)
    train.add_argument("--init-from", metavar="PARAMS.hdf5",
                       help="start from these parameters (a file saved here or by the course's "
                            "code) instead of --init; their shape must fit the data")
    train.add_argument("--save", metavar="PARAMS.hdf5", help="save the parameters (course schema)")
    train.add_argument("--metrics", metavar="CURVE.csv", help="write every point as CSV")
    train.add_argument("--report", metavar="DIR",
                       help="write a report folder: curves, weights, confusion, points, settings, parameters")
    train.add_argument("--json", action="store_true", help="print the result as one JSON object")
    train.add_argument("--quiet", action="store_true", help="no progress bar")
    _add_history_options(train)

    sweep = commands.add_parser(
        "sweep", help="train many settings at once and rank them",
        description="Train every combination of the values given (e.g. --learning-rate "
                    "1e-3:1:8 --batch-size 50,100), in one pass over the data for settings that "
                    "share a batch size, seed and length; print them ranked by final test loss.")
    _add_data_options(sweep)
    _add_setting_options(sweep, sweep=True)
    sweep.add_argument("--csv", metavar="FILE", help="write the ranked table as CSV")
    sweep.add_argument("--save-best", metavar="PARAMS.hdf5",
                       help="save the best model's parameters (course schema)")
    sweep.add_argument("--metrics", metavar="DIR", help="write each run's points as CSV into a new folder")
    sweep.add_argument("--json", action="store_true",
                       help="print one JSON object: runs (best first) and train_seconds")
    sweep.add_argument("--quiet", action="store_true", help="no progress bar")
    _add_history_options(sweep)

    course = commands.add_parser(
        "assignment", help="the course assignment's four experiments, in one report folder",
        description="Run the course's experiments (seed-bgd, seed-sgd1, seed-minibatch100, "
                    "seed-report), check the gradient's derivation numerically, and write a report "
                    "folder: index.html (derivation, curves, results, cost, differences from the "
                    "course's code), results.json, and each experiment's parameters and points.")
    _add_data_options(course, train=False)
    course.add_argument("--out", required=True, metavar="DIR", help="the report folder (must not exist)")
    course.add_argument("--target", type=float, default=0.90, metavar="ACC",
                        help="test accuracy for the 'to reach' columns (default 0.90)")
    course.add_argument("--quiet", action="store_true", help="no progress bars")
    _add_history_options(course)

    evaluate = commands.add_parser("evaluate", help="loss, accuracy and confusion of a parameter file")
    evaluate.add_argument("--params", required=True, metavar="P", help="parameter file (HDF5, 'w' and 'b')")
    _add_data_options(evaluate, train=False)
    evaluate.add_argument("--json", action="store_true")

    predict = commands.add_parser("predict", help="classify image files of digits",
                                  description="Classify pictures of single digits (any size, "
                                  "gray or colour, dark on light or light on dark) after MNIST-style "
                                  "preprocessing.")
    predict.add_argument("images", nargs="+", metavar="IMAGE")
    predict.add_argument("--params", metavar="P", help="parameter file (default: the bundled best model)")
    predict.add_argument("--json", action="store_true")

    download = commands.add_parser(
        "download", help="fetch MNIST (11 MB) or Fashion-MNIST (30 MB), verify it and keep it",
        description="Download a data set's four IDX files from the public mirrors (in turn), "
                    "verify their SHA-256, and convert them to the course's HDF5 files (plus "
                    "classes.txt for Fashion-MNIST's class names).")
    download.add_argument("--dataset", choices=("mnist", "fashion-mnist"), default="mnist",
                          help="which data set (default: mnist)")
    download.add_argument("--to", metavar="DIR",
                          help="where to keep it (default: the data set's user data folder)")
    download.add_argument("--mirror", metavar="URL",
                          help="base URL to fetch from instead (also $SOFTMAX_LAB_MIRROR)")
    download.add_argument("--timeout", type=float, default=30.0, metavar="S",
                          help="seconds a connection may stay silent (default 30)")

    gui = commands.add_parser("gui", help="open the desktop application (the default)")
    gui.add_argument("--data", metavar="DIR", help="data folder to open at start")
    gui.add_argument("--preset", choices=list(PRESETS), help="fill the settings from a preset")
    gui.add_argument("--start", action="store_true", help="start training once the data is open")
    gui.add_argument("--quit-after", type=float, metavar="SECONDS",
                     help="close the window after this long (for demos and smoke tests)")
    _add_history_options(gui)

    runs = commands.add_parser(
        "runs", help="the run history: list, show, export, remove and import runs",
        description="Every run trained in the studio, by train, sweep or assignment, or from "
                    "Python is kept in the run history with its settings, points and parameters.")
    actions = runs.add_subparsers(dest="action", metavar="ACTION", required=True)
    listing = actions.add_parser("list", help="the runs, oldest first")
    listing.add_argument("--data", metavar="DIR", help="only runs trained on the data of this folder")
    listing.add_argument("--sort", choices=SORT_KEYS, default="id", help="order by (default: id)")
    listing.add_argument("--trash", action="store_true", help="the runs in the trash instead")
    listing.add_argument("--json", action="store_true", help="one JSON list")
    show = actions.add_parser("show", help="one run: settings, results and points")
    show.add_argument("id", type=_whole(1), metavar="ID")
    show.add_argument("--json", action="store_true")
    export = actions.add_parser("export", help="a run's parameters, points CSV and report into a new folder")
    export.add_argument("id", type=_whole(1), metavar="ID")
    export.add_argument("--out", required=True, metavar="DIR", help="the folder (must not exist)")
    remove = actions.add_parser("rm", help="move runs to the trash ('runs restore' takes them back)")
    remove.add_argument("ids", type=_whole(1), nargs="+", metavar="ID")
    restore = actions.add_parser("restore", help="take runs out of the trash")
    restore.add_argument("ids", type=_whole(1), nargs="+", metavar="ID")
    actions.add_parser("empty-trash", help="forget the runs in the trash for good")
    bring = actions.add_parser("import", help="a parameter file, or a --metrics CSV, as a run")
    bring.add_argument("file", metavar="FILE", help="parameters (HDF5, 'w' and 'b') or points (CSV)")
    bring.add_argument("--name", help="the run's name (default: the file's)")
    for action in actions.choices.values():
        _add_history_options(action, recording=False)

    check = commands.add_parser(
        "self-test", help="check this installation: open the studio, draw a digit, read it",
        description="Open the studio (offscreen unless --show, with throw-away settings), draw a "
                    "seven on the canvas, check that the bundled weights read it, train the best "
                    "preset from the Start button when a data folder is found, and close. Exit "
                    "status 0 when every check passes.")
    check.add_argument("--data", metavar="DIR", help="data folder to open (default: as for gui)")
    check.add_argument("--show", action="store_true", help="in a real window instead of offscreen")

    desktop = commands.add_parser(
        "install-desktop", help="add Softmax Lab to the desktop's application menu (this user only)",
        description="Write a freedesktop .desktop entry and the icon under $XDG_DATA_HOME "
                    "(default ~/.local/share), so that Softmax Lab appears in the application "
                    "menu with its icon; --remove takes them away again.")
    desktop.add_argument("--remove", action="store_true", help="remove what install-desktop wrote")

    cache = commands.add_parser(
        "cache", help="where converted data files are kept; empty it",
        description="Data files are converted once to compact rows and kept in a cache folder "
                    "($SOFTMAX_LAB_CACHE, else the user cache folder); a changed file is "
                    "converted again.")
    cache.add_argument("action", choices=["info", "clear"], nargs="?", default="info",
                       help="info (default): the folder and what it holds; clear: empty it")

    bench = commands.add_parser("bench", help="time the kernels against the course's numpy loops")
    bench.add_argument("--data", metavar="DIR", help="MNIST folder (default as for train)")
    bench.add_argument("--repeats", type=_whole(1), default=5, metavar="N", help="runs per figure (median)")
    bench.add_argument("--cold", action="store_true",
                       help="instead, time a first start: 'train --preset seed-minibatch100' in a new "
                            "process with empty kernel and data caches, then again with them filled")
    bench.add_argument("--no-sklearn", action="store_true",
                       help="leave out the comparison of SoftmaxRegression with scikit-learn's "
                            "classifiers (it takes a minute or more; without scikit-learn "
                            "installed it is left out anyway)")
    bench.add_argument("--json", action="store_true")
    return parser


#: Settings taken from the options of the same name (batch size and shuffling aside).
SETTING_OPTIONS = ("optimizer", "learning_rate", "epochs", "eval_every", "seed", "l2", "schedule",
                   "init", "momentum", "beta1", "beta2", "epsilon", "rho", "step_factor",
                   "step_epochs", "inverse_decay", "features", "cell", "stride", "orientations")


def settings_from(args):
    from compute.settings import Settings, preset

    settings = preset(args.preset) if args.preset else Settings()
    changes = {name: getattr(args, name) for name in SETTING_OPTIONS if getattr(args, name) is not None}
    if args.batch_size is not None:
        changes["batch_size"] = None if args.batch_size == "full" else args.batch_size
    if args.no_shuffle:
        changes["shuffle"] = False
    if args.deskew:
        changes["deskew"] = True
    return replace(settings, **changes).validated()


#: The settings ``sweep`` takes values for, by option.
SWEEP_OPTIONS = ("batch_size", *SETTING_OPTIONS)
