"""Writing a run's points for other tools."""

import csv

from .files import atomic_write


def write_points_csv(path, points):
    """Write progress points (:class:`compute.training.Point`) as CSV, atomically."""
    points = list(points)
    if not points:
        raise ValueError("no points to write")
    with atomic_write(path, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(points[0].as_dict()))
        writer.writeheader()
        for point in points:
            writer.writerow(point.as_dict())
