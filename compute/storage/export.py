"""Writing what Softmax Lab measured for other tools: CSV that spreadsheets open safely
and JSON that every parser reads."""

import csv
import json
import math

import numpy as np

from .files import atomic_write

#: A cell starting with one of these is run as a formula by spreadsheets (CSV injection):
#: such text is written with a leading apostrophe, which they show as text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value):
    """``value`` as a spreadsheet will show it, never run it: text that starts like a
    formula gets a leading apostrophe; numbers are left as they are."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def write_csv(path, header, rows):
    """Write a CSV file atomically (UTF-8), every text cell made safe by :func:`csv_cell`."""
    with atomic_write(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow([csv_cell(cell) for cell in header])
        for row in rows:
            writer.writerow([csv_cell(cell) for cell in row])


def write_points_csv(path, points):
    """Write progress points (:class:`compute.engine.points.Point`) as CSV, atomically."""
    points = list(points)
    if not points:
        raise ValueError("no points to write")
    columns = list(points[0].as_dict())
    write_csv(path, columns, ([point.as_dict()[c] for c in columns] for point in points))


def write_runs_csv(path, runs):
    """Write several runs' points as one CSV, atomically: ``runs`` is (name, points)
    pairs; the first column, ``run``, names each row's run."""
    runs = [(name, list(points)) for name, points in runs if points]
    if not runs:
        raise ValueError("no points to write")
    columns = list(runs[0][1][0].as_dict())
    write_csv(path, ["run", *columns], ([name, *(point.as_dict()[c] for c in columns)]
                                        for name, points in runs for point in points))


def _finite(value):
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(item) for item in value]
    if isinstance(value, (float, np.floating)):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, np.integer):
        return int(value)
    return value


def json_text(value, **options):
    """``value`` as standard JSON: a NaN or an infinity (a diverged loss, say) is ``null``,
    never the bare ``NaN`` that JSON parsers refuse."""
    return json.dumps(_finite(value), allow_nan=False, **options)
