"""The commands that train: ``train``, ``sweep`` and ``assignment``."""

import sys
import time
from dataclasses import replace
from pathlib import Path

from .common import (EXIT_BAD_INPUT, EXIT_DIVERGED, EXIT_INTERRUPTED, as_json, data_inputs,
                     offscreen_application, progress, recorder, result_of, write_outputs,
                     writing_outputs)
from .parser import SWEEP_OPTIONS, settings_from


def _train(args):
    from compute.errors import DataError
    from compute.storage.files import check_outputs

    # Arguments and outputs are checked before the engine is even imported: a mistake is
    # reported at once, never after compiling or a long run.
    settings = settings_from(args)
    check_outputs([("--save", args.save, False), ("--metrics", args.metrics, False),
                   ("--report", args.report, True)],
                  [*data_inputs(args), *([args.init_from] if args.init_from else [])])

    from tqdm import tqdm

    from compute.storage import data, params
    from compute.storage.export import write_points_csv
    from compute.engine.recording import RunRecording
    from compute.engine.training import Training, TrainingDiverged

    pair = data.load(args.data, getattr(args, "train", None), args.test)
    start = None
    if args.init_from:
        start, _ = params.load(args.init_from, n_features=pair.n_features)
        if start.n_classes != pair.n_classes:
            raise DataError(f"{args.init_from}: has {start.n_classes} classes but the data has "
                            f"{pair.n_classes}; start from parameters trained on this kind of data")
    training = Training(pair, settings, model=start)
    history = recorder(args)
    recording = RunRecording(history, settings.short_name(), settings, "train", pair) if history else None
    status = 0
    # tqdm's own rate would count evaluation and start-up too: the bar shows the training
    # rate (samples per second of training) and the newest point instead.
    bar = progress(args.quiet, total=training.total_samples,
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
            if recording:
                recording.sync(training)
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
        if recording:
            recording.end(training, {0: "finished", EXIT_DIVERGED: "diverged"}.get(status, "stopped"))
            history.close()
    if not training.points:  # stopped before the first evaluation finished
        return status
    # Files hold the parameters of the last point, with that point's metrics.
    evaluated = training.evaluated
    writing_outputs()
    failed = write_outputs([
        (args.metrics, lambda: write_points_csv(args.metrics, training.points)),
        (args.save, lambda: params.save(args.save, evaluated.model, evaluated.metadata())),
        (args.report, lambda: _write_report(args.report, training, pair))])
    if args.save and status and args.save not in failed:
        print(f"softmax-lab: saved the parameters of the last point "
              f"({evaluated.samples_seen:,} samples) to {args.save}", file=sys.stderr)
    status = status or (EXIT_BAD_INPUT if failed else 0)
    last = training.points[-1]
    result = result_of(training, status == EXIT_DIVERGED)
    if args.json:
        print(as_json(result))
    else:
        print(f"{settings.describe()} on {pair.describe()}")
        print(f"train  loss {last.train_loss:.4f}  accuracy {last.train_accuracy:.4f}")
        print(f"test   loss {last.test_loss:.4f}  accuracy {last.test_accuracy:.4f}")
        print(f"{training.samples_seen:,} samples, {training.updates:,} updates, "
              f"{training.train_seconds:.3f} s training + {training.eval_seconds:.3f} s evaluating")
    return status


def _write_report(folder, training, pair):
    from app.report import write_report
    from ui.report_images import curves_png

    app = offscreen_application()  # noqa: F841  (needed to draw)
    name = f"{training.settings.describe()}"
    evaluated = training.evaluated
    write_report(folder, name, training.settings, training.points, evaluated.model,
                 evaluated.metadata(), pair.test, pair.train.n_samples,
                 curves_png(training.points, name))
    print(f"report written to {folder} (open index.html)", file=sys.stderr)


def _sweep(args):
    from compute.storage.files import check_outputs
    from compute.settings import Settings, preset
    from compute.engine.sweep import expand, parse_values

    inputs = data_inputs(args)
    base = preset(args.preset) if args.preset else Settings()
    if args.no_shuffle:
        base = replace(base, shuffle=False)
    if args.deskew:
        base = replace(base, deskew=True)
    given = {name: parse_values(name, getattr(args, name)) for name in SWEEP_OPTIONS
             if getattr(args, name) is not None}
    # One value is a setting like train's; several are what the sweep compares.
    base = replace(base, **{name: values[0] for name, values in given.items() if len(values) == 1})
    swept = {name: values for name, values in given.items() if len(values) > 1}
    members = expand(base, swept)
    check_outputs([("--csv", args.csv, False), ("--save-best", args.save_best, False),
                   ("--metrics", args.metrics, True)], inputs)

    from compute.storage import data, params
    from compute.storage.export import write_points_csv
    from compute.storage.files import atomic_folder, file_stem
    from compute.engine.recording import RunRecording
    from compute.engine.sweep import groups, member_name, run_groups

    pair = data.load(args.data, getattr(args, "train", None), args.test)
    settings_list = [settings for settings, _ in members]
    names = [member_name(values) for _, values in members]
    total = sum(s.epochs * pair.train.n_samples for s in settings_list)
    bar = progress(args.quiet, total=total, desc=f"{len(members)} models")
    started = []  # the groups so far: the bar counts their members' samples
    history = recorder(args)
    label = f"sweep of {', '.join(swept) or 'one setting'}, {time.strftime('%Y-%m-%d %H:%M')}"
    recordings = {}  # id(member) -> (member, its RunRecording)

    def on_group(sweep):
        started.append(sweep)
        if history:
            for i, member in zip(sweep.indices, sweep.members):
                recordings[id(member)] = member, RunRecording(history, names[i], settings_list[i],
                                                              "sweep", pair, sweep=label)

    def on_point(member, point):
        bar.update(sum(m.training.samples_seen for g in started for m in g.members) - bar.n)
        if id(member) in recordings:
            recordings[id(member)][1].sync(member.training)

    interrupted = False
    try:
        results, seconds = run_groups(pair, settings_list, on_point=on_point, on_group=on_group)
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
        for member, recording in recordings.values():
            recording.end(member.training, "diverged" if member.diverged else
                          "stopped" if interrupted and member.training.samples_seen < member.training.total_samples
                          else "finished")
        if history:
            history.close()
    rows = [{"name": name, **result_of(member.training, member.diverged)}
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

    writing_outputs()
    failed = write_outputs([(args.csv, lambda: _write_sweep_csv(args.csv, rows, list(swept))),
                             (args.save_best if best is not None else None, save_best),
                             (args.metrics, write_metrics)])
    if args.json:
        print(as_json({"runs": rows, "train_seconds": seconds}))
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
    from compute.engine.sweep import shown

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
    from compute.storage.export import write_csv

    columns = _sweep_columns(swept)
    write_csv(path, ["rank", "run", *columns, "diverged"],
              ([rank, row["name"], *(row["settings"][c] if c in swept else row[c] for c in columns),
                row["diverged"]] for rank, row in enumerate(rows, start=1)))


def _assignment(args):
    from compute.errors import DataError
    from compute.storage.files import check_outputs
    from compute.storage.sources import input_paths

    if not 0 < args.target <= 1:
        raise DataError(f"--target must be an accuracy in (0, 1]; got {args.target}")
    if args.test:
        raise DataError("assignment trains as well as tests: give --data DIR (both files)")
    check_outputs([("--out", args.out, True)], input_paths(args.data))
    out = Path(args.out).resolve()

    from compute.engine.recording import RunRecording
    from compute.settings import COURSE_EXPERIMENTS, preset
    from compute.storage import data
    from compute.studies import assignment

    pair = data.load(args.data)
    check = assignment.check_gradient(pair.train)
    experiments = []
    history = recorder(args)
    try:
        for name in COURSE_EXPERIMENTS:
            recording = RunRecording(history, name, preset(name), "assignment", pair) if history else None
            trained = []
            with progress(args.quiet, desc=name) as bar:
                def advance(training, bar=bar, recording=recording, trained=trained):
                    bar.total = training.total_samples
                    bar.update(training.samples_seen - bar.n)
                    trained[:] = [training]
                    if recording:
                        recording.sync(training)
                try:
                    experiments.append(assignment.run_experiment(pair, name, steps=advance, float64=True))
                finally:
                    if recording and trained:
                        done = trained[0].samples_seen >= trained[0].total_samples
                        recording.end(trained[0], "finished" if done else "stopped")
    finally:
        if history:
            history.close()
    writing_outputs()
    app = offscreen_application()  # noqa: F841  (needed to draw)
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


COMMANDS = {"train": _train, "sweep": _sweep, "assignment": _assignment}
