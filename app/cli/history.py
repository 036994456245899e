"""``softmax-lab runs``: the run history from a terminal (list, show, export, rm, restore,
empty-trash, import)."""

import sys
import time
from pathlib import Path

from .common import as_json


def _opened(args, create=False):
    from compute.storage.history import opened

    return opened(args.history, create=create)


def _when(stamp):
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(stamp)) if stamp else ""


def _batch(settings):
    return "full" if settings.batch_size is None else str(settings.batch_size)


def _how(record):
    """Optimizer, batch and rate as listed ("?" for points imported from a CSV, which
    does not say how they were trained)."""
    if record.status == "imported":
        return ["?", "?", "?"]
    settings = record.settings
    return [settings.optimizer, _batch(settings), f"{settings.learning_rate:g}"]


def _figure(value, digits=4):
    return "" if value is None else f"{value:.{digits}f}"


def _list(args):
    from compute.storage import data
    from compute.storage.history import data_identity

    with _opened(args) as history:
        records = history.records(trashed=args.trash)
    if args.data:
        digest = data_identity(data.load(args.data))[1]
        records = [r for r in records if r.data_hash == digest]
    descending = args.sort in ("created", "test_accuracy")
    records.sort(key=lambda r: (getattr(r, args.sort) is None, getattr(r, args.sort) or 0)
                 if args.sort in ("test_accuracy", "test_loss") else getattr(r, args.sort),
                 reverse=descending)
    if descending and args.sort == "test_accuracy":  # runs without a result last
        records.sort(key=lambda r: r.test_accuracy is None)
    if args.json:
        print(as_json([r.as_dict() for r in records]))
        return 0
    header = ["id", "name", "status", "optimizer", "batch", "lr", "test acc", "test loss", "created", "from"]
    rows = [[str(r.id), r.name, r.status, *_how(r), _figure(r.test_accuracy), _figure(r.test_loss),
             _when(r.created), r.source] for r in records]
    widths = [max(len(line[i]) for line in [header, *rows]) for i in range(len(header))]
    for line in [header, *rows]:
        print("  ".join(cell.ljust(width) for cell, width in zip(line, widths)).rstrip())
    if not rows:
        print("(no runs)" if not args.trash else "(the trash is empty)")
    return 0


def _show(args):
    from compute.engine.recording import points

    with _opened(args) as history:
        record = history.record(args.id)
        found = points(history, args.id)
        model_path = history.model_path(args.id)
    if args.json:
        print(as_json({**record.as_dict(), "points": [p.as_dict() for p in found],
                       "parameters": str(model_path) if model_path.is_file() else None}))
        return 0
    print(f"run {record.id}: {record.name} ({record.status}{': ' + record.message if record.message else ''})")
    print(f"  {record.settings.describe()}")
    print(f"  from {record.source}, created {_when(record.created)}"
          + (f", ended {_when(record.ended)}" if record.ended else ""))
    if record.data_folder:
        print(f"  data {record.data_folder} (content {record.data_hash})")
    if record.sweep:
        print(f"  member of {record.sweep}")
    if record.parent:
        print(f"  {record.parent_kind or 'continued'} from run {record.parent}")
    if record.notes:
        print(f"  notes: {record.notes}")
    if record.test_accuracy is not None:
        print(f"  test accuracy {record.test_accuracy:.4f}, test loss {record.test_loss:.4f}, "
              f"{record.samples_seen:,} samples")
    print(f"  parameters: {model_path if model_path.is_file() else 'none recorded'}")
    if found:
        print(f"  {'samples':>10} {'epoch':>7} {'train loss':>10} {'train acc':>9} {'test loss':>9} {'test acc':>8}")
        for p in found:
            print(f"  {p.samples_seen:>10,} {p.epoch:>7.2f} {p.train_loss:>10.4f} {p.train_accuracy:>9.4f} "
                  f"{p.test_loss:>9.4f} {p.test_accuracy:>8.4f}")
    return 0


def _export(args):
    """The run's report folder (parameters, points, curves, weights, confusion) when its
    data can be read; else its parameters and points."""
    from compute.engine.recording import points
    from compute.errors import DataError
    from compute.storage import data, params
    from compute.storage.export import write_points_csv
    from compute.storage.files import atomic_folder, check_outputs
    from compute.storage.history import data_identity

    check_outputs([("--out", args.out, True)], [])
    with _opened(args) as history:
        record = history.record(args.id)
        found = points(history, args.id)
        recorded = history.model(args.id)
    if recorded is None and not found:
        raise DataError(f"run {args.id} has neither parameters nor points to export")
    pair = None
    if record.data_folder and recorded is not None:
        try:
            pair = data.load(record.data_folder)
            if data_identity(pair)[1] != record.data_hash:
                pair = None
        except DataError:
            pair = None
    out = Path(args.out).resolve()
    if pair is not None and found:
        from app.report import write_report
        from ui.report_images import curves_png

        from .common import offscreen_application

        app = offscreen_application()  # noqa: F841  (needed to draw)
        model, attributes = recorded
        write_report(out, record.name, record.settings, found, model, dict(attributes), pair.test,
                     pair.train.n_samples, curves_png(found, record.name))
    else:
        with atomic_folder(out) as staging:
            if recorded is not None:
                params.save(staging / "parameters.hdf5", recorded[0], dict(recorded[1]))
            if found:
                write_points_csv(staging / "points.csv", found)
        print(f"softmax-lab: the data run {args.id} trained on ({record.data_folder or 'unknown'}) "
              "is not there as it was: no report, only its parameters and points", file=sys.stderr)
    print(f"run {args.id} exported to {out}")
    return 0


def _remove(args):
    with _opened(args, create=True) as history:
        for run_id in args.ids:
            history.record(run_id)  # each must exist
        history.trash(args.ids)
    print(f"moved to the trash: {', '.join(map(str, args.ids))} ('softmax-lab runs restore' takes them back)")
    return 0


def _restore(args):
    with _opened(args, create=True) as history:
        for run_id in args.ids:
            history.record(run_id)
        history.restore(args.ids)
    print(f"restored: {', '.join(map(str, args.ids))}")
    return 0


def _empty_trash(args):
    with _opened(args, create=True) as history:
        count = history.empty_trash()
    print(f"{count} run(s) forgotten")
    return 0


def _import(args):
    from compute.engine.recording import import_file

    with _opened(args, create=True) as history:
        if not history.writable:
            from compute.storage.history import HistoryError

            raise HistoryError(history.problem)
        run_id = import_file(history, args.file, args.name)
    print(f"imported {args.file} as run {run_id}")
    return 0


ACTIONS = {"list": _list, "show": _show, "export": _export, "rm": _remove, "restore": _restore,
           "empty-trash": _empty_trash, "import": _import}
COMMANDS = {"runs": lambda args: ACTIONS[args.action](args)}
