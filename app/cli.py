"""The ``softmax-lab`` command line: train, evaluate, bench (and the GUI with no command).

Exit status: 0 on success, 2 on bad input or settings, 3 when training diverged,
130 when interrupted.
"""

import argparse
import contextlib
import os
import sys
from dataclasses import replace
from pathlib import Path

EXIT_BAD_INPUT = 2
EXIT_DIVERGED = 3
EXIT_INTERRUPTED = 130


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


def _add_setting_options(parser, sweep=False):
    """The settings' options of ``train``; for ``sweep`` each takes a comma list of values
    (numbers also a log range low:high:count), kept as text for compute.sweep to parse."""
    from compute.settings import INITS, OPTIMIZERS, PRESETS, SCHEDULES

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

    evaluate = commands.add_parser("evaluate", help="loss, accuracy and confusion of a parameter file")
    evaluate.add_argument("--params", required=True, metavar="P", help="parameter file (HDF5, 'w' and 'b')")
    _add_data_options(evaluate, train=False)
    evaluate.add_argument("--json", action="store_true")

    predict = commands.add_parser("predict", help="classify image files of digits",
                                  description="Classify pictures of single digits (any size, "
                                  "gray or colour, dark on light or light on dark) after MNIST-style "
                                  "preprocessing.")
    predict.add_argument("images", nargs="+", metavar="IMAGE")
    predict.add_argument("--params", metavar="P", help="parameter file (default: the bundled weights)")
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
    bench.add_argument("--json", action="store_true")
    return parser


#: Settings taken from the options of the same name (batch size and shuffling aside).
SETTING_OPTIONS = ("optimizer", "learning_rate", "epochs", "eval_every", "seed", "l2", "schedule",
                   "init", "momentum", "beta1", "beta2", "epsilon", "rho", "step_factor",
                   "step_epochs", "inverse_decay")


def _settings_from(args):
    from compute.settings import Settings, preset

    settings = preset(args.preset) if args.preset else Settings()
    changes = {name: getattr(args, name) for name in SETTING_OPTIONS if getattr(args, name) is not None}
    if args.batch_size is not None:
        changes["batch_size"] = None if args.batch_size == "full" else args.batch_size
    if args.no_shuffle:
        changes["shuffle"] = False
    return replace(settings, **changes).validated()


def _train(args):
    from compute.errors import DataError
    from compute.files import check_outputs

    # Arguments and outputs are checked before the engine is even imported: a mistake is
    # reported at once, never after compiling or a long run.
    settings = _settings_from(args)
    check_outputs([("--save", args.save, False), ("--metrics", args.metrics, False),
                   ("--report", args.report, True)],
                  [*_data_inputs(args), *([args.init_from] if args.init_from else [])])

    from tqdm import tqdm

    from compute import data, params
    from compute.export import write_points_csv
    from compute.training import Training, TrainingDiverged

    pair = data.load(args.data, getattr(args, "train", None), args.test)
    start = None
    if args.init_from:
        start, _ = params.load(args.init_from, n_features=pair.n_features)
        if start.n_classes != pair.n_classes:
            raise DataError(f"{args.init_from}: has {start.n_classes} classes but the data has "
                            f"{pair.n_classes}; start from parameters trained on this kind of data")
    training = Training(pair, settings, model=start)
    status = 0
    # tqdm's own rate would count evaluation and start-up too: the bar shows the training
    # rate (samples per second of training) and the newest point instead.
    bar = _progress(args.quiet, total=training.total_samples,
                    bar_format="{l_bar}{bar}| {n_fmt}/{total_fmt} [{elapsed}<{remaining}{postfix}]")
    try:
        seen = 0
        for _ in training.steps():
            fields = {}
            if training.train_seconds:
                rate = training.samples_seen / training.train_seconds
                fields["train"] = f"{tqdm.format_sizeof(rate)} samples/s"
            if training.points:
                last = training.points[-1]
                fields.update(test_acc=f"{last.test_accuracy:.4f}", test_loss=f"{last.test_loss:.4f}")
            bar.set_postfix(fields, refresh=False)  # before update, which draws it
            bar.update(training.samples_seen - seen)
            seen = training.samples_seen
        bar.refresh()  # the end, whatever the bar's own redraw interval left out
    except TrainingDiverged as error:
        print(f"softmax-lab: {error}", file=sys.stderr)
        status = EXIT_DIVERGED
    except KeyboardInterrupt:
        asked = [option for option, value in (("--save", args.save), ("--metrics", args.metrics),
                                              ("--report", args.report)) if value]
        print(f"softmax-lab: stopped after {training.samples_seen:,} samples"
              + (f"; writing {', '.join(asked)} from the last point (interrupt again to quit "
                 "at once)" if asked and training.points else ""), file=sys.stderr)
        status = EXIT_INTERRUPTED
    finally:
        bar.close()
    if not training.points:  # stopped before the first evaluation finished
        return status
    # Files hold the parameters of the last point, with that point's metrics.
    evaluated = training.evaluated
    _writing_outputs()
    failed = _write_outputs([
        (args.metrics, lambda: write_points_csv(args.metrics, training.points)),
        (args.save, lambda: params.save(args.save, evaluated.model, evaluated.metadata())),
        (args.report, lambda: _write_report(args.report, training, pair))])
    if args.save and status and args.save not in failed:
        print(f"softmax-lab: saved the parameters of the last point "
              f"({evaluated.samples_seen:,} samples) to {args.save}", file=sys.stderr)
    status = status or (EXIT_BAD_INPUT if failed else 0)
    last = training.points[-1]
    result = _result(training, status == EXIT_DIVERGED)
    if args.json:
        print(_json(result))
    else:
        print(f"{settings.describe()} on {pair.describe()}")
        print(f"train  loss {last.train_loss:.4f}  accuracy {last.train_accuracy:.4f}")
        print(f"test   loss {last.test_loss:.4f}  accuracy {last.test_accuracy:.4f}")
        print(f"{training.samples_seen:,} samples, {training.updates:,} updates, "
              f"{training.train_seconds:.3f} s training + {training.eval_seconds:.3f} s evaluating")
    return status


def _progress(quiet, **options):
    """The command line's progress bar (tqdm): on stderr, samples unless said otherwise,
    as wide as the terminal, gone when done; none when ``quiet``."""
    from tqdm import tqdm

    return tqdm(**{"unit": "samples", "unit_scale": True, "file": sys.stderr, "dynamic_ncols": True,
                   "leave": False, "disable": quiet, **options})


def _data_inputs(args):
    """Every path the data options (or, without them, the default folders) may read,
    after checking that they name the data once."""
    from compute.errors import DataError
    from compute.sources import input_paths

    train = getattr(args, "train", None)
    if (train is None) != (args.test is None):
        raise DataError("--train and --test go together; name both files, or use --data DIR")
    if args.data and train:
        raise DataError("--data and --train/--test name the data twice; give one or the other")
    return input_paths(args.data, train, args.test)


def _write_outputs(writes):
    """Write each requested output; one that fails is reported and never stops the others.

    ``writes`` holds (path or None, write): None is an output not asked for. Returns the
    paths that could not be written."""
    from compute.files import FileWriteError

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


def _json(value):
    from compute.export import json_text

    return json_text(value)


def _result(training, diverged):
    """What ``train --json`` says of a run (and ``sweep --json`` of each of its runs)."""
    last = training.points[-1]
    return {"train_loss": last.train_loss, "train_accuracy": last.train_accuracy,
            "test_loss": last.test_loss, "test_accuracy": last.test_accuracy,
            "samples_seen": training.samples_seen, "updates": training.updates,
            "epochs": training.epoch, "train_seconds": training.train_seconds,
            "eval_seconds": training.eval_seconds, "settings": training.settings.as_dict(),
            "diverged": diverged}


#: The settings ``sweep`` takes values for, by option.
SWEEP_OPTIONS = ("batch_size", *SETTING_OPTIONS)


def _sweep(args):
    from compute.files import check_outputs
    from compute.settings import Settings, preset
    from compute.sweep import expand, parse_values

    inputs = _data_inputs(args)
    base = preset(args.preset) if args.preset else Settings()
    if args.no_shuffle:
        base = replace(base, shuffle=False)
    given = {name: parse_values(name, getattr(args, name)) for name in SWEEP_OPTIONS
             if getattr(args, name) is not None}
    # One value is a setting like train's; several are what the sweep compares.
    base = replace(base, **{name: values[0] for name, values in given.items() if len(values) == 1})
    swept = {name: values for name, values in given.items() if len(values) > 1}
    members = expand(base, swept)
    check_outputs([("--csv", args.csv, False), ("--save-best", args.save_best, False),
                   ("--metrics", args.metrics, True)], inputs)

    from compute import data, params
    from compute.export import write_points_csv
    from compute.files import atomic_folder, file_stem
    from compute.sweep import groups, member_name, run_groups

    pair = data.load(args.data, getattr(args, "train", None), args.test)
    settings_list = [settings for settings, _ in members]
    names = [member_name(values) for _, values in members]
    total = sum(s.epochs * pair.train.n_samples for s in settings_list)
    bar = _progress(args.quiet, total=total, desc=f"{len(members)} models")
    started = []  # the groups so far: the bar counts their members' samples

    def on_point(member, point):
        bar.update(sum(m.training.samples_seen for g in started for m in g.members) - bar.n)

    interrupted = False
    try:
        results, seconds = run_groups(pair, settings_list, on_point=on_point, on_group=started.append)
    except KeyboardInterrupt:
        interrupted = True
        results = [None] * len(settings_list)
        for sweep in started:
            for i, member in zip(sweep.indices, sweep.members):
                results[i] = member
        seconds = sum(sweep.train_seconds for sweep in started)
        print(f"softmax-lab: sweep stopped; reporting and writing the {len(started)} pass(es) "
              "begun, from each model's last point (interrupt again to quit at once)", file=sys.stderr)
    finally:
        bar.close()
    rows = [{"name": name, **_result(member.training, member.diverged)}
            for name, member in zip(names, results) if member is not None and member.points]
    rows.sort(key=lambda row: (row["diverged"], row["test_loss"]))
    best = rows[0] if rows and not rows[0]["diverged"] else None
    def save_best():
        evaluated = results[names.index(best["name"])].training.evaluated
        params.save(args.save_best, evaluated.model, evaluated.metadata())

    def write_metrics():
        with atomic_folder(Path(args.metrics).resolve()) as staging:
            for name, member in zip(names, results):
                if member.points:
                    write_points_csv(staging / f"{file_stem(name)}.csv", member.points)

    _writing_outputs()
    failed = _write_outputs([(args.csv, lambda: _write_sweep_csv(args.csv, rows, list(swept))),
                             (args.save_best if best is not None else None, save_best),
                             (args.metrics, write_metrics)])
    if args.json:
        print(_json({"runs": rows, "train_seconds": seconds}))
    else:
        print(_sweep_table(rows, list(swept)))
        print(f"{len(rows)} models on {pair.describe()}: {seconds:.3f} s of training in "
              f"{len(groups(settings_list))} pass(es) over the data")
    if interrupted:
        return EXIT_INTERRUPTED
    return EXIT_DIVERGED if best is None else EXIT_BAD_INPUT if failed else 0


def _sweep_columns(swept):
    return [*swept, "test_loss", "test_accuracy", "train_loss", "train_accuracy", "train_seconds"]


def _sweep_table(rows, swept):
    """The ranked table: best first, marked with *; diverged runs last."""
    from compute.sweep import shown

    columns = _sweep_columns(swept)
    header = ["", "run", *(name.replace("_", " ") for name in columns)]
    body = []
    for i, row in enumerate(rows):
        mark = "*" if i == 0 and not row["diverged"] else ""
        cells = [shown(row["settings"][c], 4) if c in swept else
                 ("diverged" if row["diverged"] and c == "test_loss" else shown(row[c], 4)) for c in columns]
        body.append([mark, row["name"], *cells])
    widths = [max(len(str(line[i])) for line in [header, *body]) for i in range(len(header))]
    return "\n".join("  ".join(str(cell).rjust(width) if i > 1 else str(cell).ljust(width)
                               for i, (cell, width) in enumerate(zip(line, widths)))
                     for line in [header, *body])


def _write_sweep_csv(path, rows, swept):
    from compute.export import write_csv

    columns = _sweep_columns(swept)
    write_csv(path, ["rank", "run", *columns, "diverged"],
              ([rank, row["name"], *(row["settings"][c] if c in swept else row[c] for c in columns),
                row["diverged"]] for rank, row in enumerate(rows, start=1)))


def _assignment(args):
    from compute.errors import DataError
    from compute.files import check_outputs
    from compute.sources import input_paths

    if not 0 < args.target <= 1:
        raise DataError(f"--target must be an accuracy in (0, 1]; got {args.target}")
    if args.test:
        raise DataError("assignment trains as well as tests: give --data DIR (both files)")
    check_outputs([("--out", args.out, True)], input_paths(args.data))
    out = Path(args.out).resolve()

    from compute import assignment, data
    from compute.settings import COURSE_EXPERIMENTS

    pair = data.load(args.data)
    check = assignment.check_gradient(pair.train)
    experiments = []
    for name in COURSE_EXPERIMENTS:
        with _progress(args.quiet, desc=name) as bar:
            def advance(training, bar=bar):
                bar.total = training.total_samples
                bar.update(training.samples_seen - bar.n)
            experiments.append(assignment.run_experiment(pair, name, steps=advance, float64=True))
    _writing_outputs()
    app = _offscreen_application()  # noqa: F841  (needed to draw)
    from app import assignment as report
    from ui.report_images import comparison_png

    curves = comparison_png([(e.name, colour, e.points) for e, colour in zip(experiments, report.COLOURS)],
                            size=(1000, 760), log_x=True)
    results = report.write(out, pair, experiments, check, curves, args.target)
    print(f"gradient check: largest difference {check.max_abs_error:.1e} "
          f"({check.max_rel_error:.1e} of the largest entry)")
    print(f"{'experiment':<18} {'test acc.':>9} {'without b':>9} {'test loss':>9} {'train s':>8}")
    for r in results:
        print(f"{r['experiment']:<18} {r['test_accuracy']:>9.4f} {r['test_accuracy_without_bias']:>9.4f} "
              f"{r['test_loss']:>9.4f} {r['train_seconds']:>8.2f}")
    print(f"report written to {out} (open index.html)")
    return 0


def _install_desktop(args):
    from app import desktop
    from compute.files import FileWriteError

    try:
        if args.remove:
            removed = desktop.remove()
            print("removed " + ", ".join(map(str, removed)) if removed else "nothing to remove")
        else:
            for path in desktop.install():
                print(f"wrote {path}")
    except OSError as error:
        if isinstance(error, FileWriteError):
            raise
        raise FileWriteError(f"{error.filename or desktop.data_home()}: cannot write there "
                             f"({error.strerror}); set XDG_DATA_HOME to a folder you can write") from None
    return 0


def _offscreen_application():
    """A QApplication to draw report pictures with, offscreen when there is no display."""
    import os

    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    return QApplication.instance() or QApplication([])


def _write_report(folder, training, pair):
    from app.report import write_report
    from ui.report_images import curves_png

    app = _offscreen_application()  # noqa: F841  (needed to draw)
    name = f"{training.settings.describe()}"
    evaluated = training.evaluated
    write_report(folder, name, training.settings, training.points, evaluated.model,
                 evaluated.metadata(), pair.test, pair.train.n_samples,
                 curves_png(training.points, name))
    print(f"report written to {folder} (open index.html)", file=sys.stderr)


def _evaluate(args):
    from compute import data, metrics, params

    test = data.load_test(args.data, args.test)
    model, _ = params.load(args.params, n_features=test.n_features)
    metrics.check_fits(model, test, args.params)
    result = metrics.evaluate(model, test, confusion=True)
    if args.json:
        print(_json({"loss": result.loss, "accuracy": result.accuracy,
                          "samples": result.samples, "confusion": result.confusion.tolist()}))
        return 0
    print(f"{test.name}: {result.samples:,} samples, loss {result.loss:.4f}, "
          f"accuracy {result.accuracy:.4f}")
    K = model.n_classes
    width = max(5, len(str(int(result.confusion.max()))) + 1)
    print("confusion (rows: true class, columns: predicted)")
    print("     " + "".join(f"{k:>{width}}" for k in range(K)))
    for k in range(K):
        print(f"{k:>4} " + "".join(f"{n:>{width}}" for n in result.confusion[k]))
    return 0


def _cold_start(args):
    """Wall time of a first start (empty numba and data caches) and of a second, in new processes."""
    import os
    import subprocess
    import tempfile
    import time

    from app.resources import program
    from compute.errors import DataError

    command = [*program(), "train", "--preset", "seed-minibatch100", "--quiet"]
    if args.data:
        command += ["--data", args.data]
    with tempfile.TemporaryDirectory(prefix="softmax-lab-cold-") as empty:
        env = {**os.environ, "NUMBA_CACHE_DIR": os.path.join(empty, "numba"),
               "SOFTMAX_LAB_CACHE": os.path.join(empty, "rows")}
        seconds = {}
        for name in ("first_start_seconds", "second_start_seconds"):
            started = time.perf_counter()
            done = subprocess.run(command, capture_output=True, text=True, env=env)
            seconds[name] = time.perf_counter() - started
            if done.returncode:
                raise DataError(done.stderr.strip().splitlines()[-1].removeprefix("softmax-lab: error: "))
    if args.json:
        print(_json(seconds))
    else:
        print(f"train --preset seed-minibatch100, process start to exit: first start (empty kernel "
              f"and data caches) {seconds['first_start_seconds']:.1f} s, second start "
              f"{seconds['second_start_seconds']:.1f} s")
    return 0


def _bench(args):
    from compute import benchmark, data

    if args.cold:
        return _cold_start(args)
    pair = data.load(args.data)
    report = benchmark.run(pair, repeats=args.repeats, progress=sys.stderr)
    if args.json:
        print(_json(report))
    else:
        print(benchmark.format_report(report))
    return 0


def _predict(args):
    from app.resources import BUNDLED_WEIGHTS
    from compute import params, preprocess
    from compute.classes import numbered_classes
    from compute.errors import DataError

    source = args.params or BUNDLED_WEIGHTS
    model, attributes = params.load(source)
    names = params.recorded_class_names(attributes, model.n_classes) or numbered_classes(model.n_classes)
    if model.n_features != preprocess.SIDE * preprocess.SIDE:
        raise DataError(f"{source}: has {model.n_features} features per class; image "
                        f"prediction needs a {preprocess.SIDE}x{preprocess.SIDE} model (784)")
    results, status = [], 0
    for path in args.images:
        try:
            _, probabilities = preprocess.classify(model, preprocess.read_image(path))
        except DataError as error:
            print(f"softmax-lab: error: {error}", file=sys.stderr)
            status = EXIT_BAD_INPUT
            continue
        if probabilities is None:
            results.append({"file": path, "digit": None, "class": None, "probabilities": None})
            continue
        best = int(probabilities.argmax())
        results.append({"file": path, "digit": best, "class": names[best],
                        "probabilities": [round(float(p), 6) for p in probabilities]})
    if args.json:
        print(_json(results))
    for result in results if not args.json else ():
        if result["digit"] is None:
            print(f"{result['file']}: no digit found (the image is blank)")
        else:
            chance = result["probabilities"][result["digit"]]
            print(f"{result['file']}: {result['class']} ({chance:.1%})")
    return status


def _download(args):

    from compute import download

    source = download.SOURCES[args.dataset]
    bar = _progress(False, total=source.total_bytes, unit="B", unit_divisor=1024, desc=source.title)

    def show(progress):
        bar.update(progress.done - bar.n)

    try:
        folder, fetched = download.download(args.to, args.mirror, progress=show, timeout=args.timeout,
                                            source=source)
    finally:
        bar.close()
    if fetched:
        print(f"{source.title} downloaded, verified and converted in {folder}")
    else:
        print(f"{source.title} is already in {folder}; nothing to download")
    return 0


def _cache(args):
    from compute import cache

    if args.action == "clear":
        removed, size = cache.clear()
        print(f"removed {removed} converted data file(s), {size / 1e6:.1f} MB, from {cache.folder()}")
        return 0
    entries = cache.entries()
    size = sum(entry.stat().st_size for entry in entries)
    print(f"{cache.folder()}: {len(entries)} converted data file(s), {size / 1e6:.1f} MB")
    return 0


def _gui(args):
    from app.gui import run

    return run(getattr(args, "data", None), preset=getattr(args, "preset", None),
               start=getattr(args, "start", False), quit_after=getattr(args, "quit_after", None))


def _self_test(args):
    from app import selftest

    return selftest.run(args.data, show=args.show)


def _quit_at_once(signum=None, frame=None):
    """A signal handler: remove every half-written temporary file and exit (130)."""
    from compute.files import remove_partial_writes

    remove_partial_writes()
    os.write(2, b"softmax-lab: stopped at once; nothing half-written was left\n")
    os._exit(EXIT_INTERRUPTED)


def _on_signals(handler):
    """Send SIGINT and SIGTERM to ``handler`` (from the main thread only: others receive
    no signals); returns the handlers they had."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        return {}
    return {number: signal.signal(number, handler) for number in (signal.SIGINT, signal.SIGTERM)}


def _writing_outputs():
    """From here on the command only writes its outputs: a signal quits at once, leaving
    no half-written file (a KeyboardInterrupt inside Qt's start-up, say, aborted the
    process)."""
    _on_signals(_quit_at_once)


@contextlib.contextmanager
def _stop_on_signals():
    """While the block runs, Ctrl-C (SIGINT) and SIGTERM: the first stops the work at its
    next step, as a KeyboardInterrupt, and the command writes what it was asked to from
    what it has; a second, or one while outputs are written, ends the process at once,
    removing any half-written temporary file first (the files it was to replace keep
    their old contents)."""
    def first(signum, frame):
        _writing_outputs()
        raise KeyboardInterrupt

    before = _on_signals(first)
    try:
        yield
    finally:
        import signal

        for number, handler in before.items():
            signal.signal(number, handler)


def advice(error):
    """How to fix ``error`` from the command line (the engine says only what is wrong)."""
    from compute.errors import DownloadCancelled, DownloadError, NoDataFound

    if isinstance(error, NoDataFound):
        return (f"; pass --data DIR (MNIST's HDF5 or IDX files), set {error.variable}, "
                "or run 'softmax-lab download'")
    if isinstance(error, DownloadError) and not isinstance(error, DownloadCancelled):
        from compute.data import DATA_ENV  # already loaded: the download needed it

        return f". Offline? {error.by_hand}, then pass --data DIR or set {DATA_ENV}"
    return ""


def main(argv=None):
    """Entry point of the ``softmax-lab`` command."""
    from compute.errors import DataError
    from compute.files import FileWriteError
    from compute.settings import SettingsError

    # A file name that is not valid UTF-8, or a β under LC_ALL=C, is printed escaped
    # rather than ending the command with a UnicodeEncodeError.
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    parser = build_parser()
    args = parser.parse_args(argv)
    handlers = {"train": _train, "assignment": _assignment, "evaluate": _evaluate, "bench": _bench,
                "predict": _predict, "sweep": _sweep,
                "download": _download, "cache": _cache, "gui": _gui, "install-desktop": _install_desktop,
                "self-test": _self_test, None: _gui}
    stoppable = args.command in ("train", "sweep", "assignment")
    try:
        with _stop_on_signals() if stoppable else contextlib.nullcontext():
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
