"""The run list as runs come and go: a sweep's rows out of view are filled in a few turns
after its click, and every row ends with its texts, its swatch and its tick."""

from PySide6.QtGui import QColor

from compute.engine.runs import Run, SweepGroup
from compute.settings import PRESETS
from ui.runs_table import COLUMNS, SWATCH, RunsTable

SETTINGS = PRESETS["seed-minibatch100"]


def shown_table(shown, runs=0):
    table = shown(RunsTable(), 700, 240)
    for number in range(1, runs + 1):
        table.add_run(Run(number, f"run {number}", "#1f77b4", SETTINGS))
    return table


def sweep_of(size, first=100):
    group = SweepGroup("sweep 1", "learning_rate", list(range(size)))
    group.runs.extend(Run(first + i, f"sweep 1: lr {i}", f"#{i:02x}3300", SETTINGS, sweep=group)
                      for i in range(size))
    return group


def texts(table, row):
    return [table.item(row, column).text() if table.item(row, column) else None
            for column in range(len(COLUMNS))]


def test_a_sweeps_rows_out_of_view_are_filled_in_soon_after_its_click(qtbot, shown):
    table = shown_table(shown, runs=20)  # the list shows the first few: the sweep's rows are below
    group = sweep_of(32)
    for run in group.runs:
        table.add_run(run)
    rows = [table.all_runs().index(run) + 1 for run in group.runs]  # (+1: the sweep's heading)
    assert table.rowCount() == 20 + 1 + 32 and table.all_runs()[20:] == group.runs  # at once
    assert table.item(rows[-1], 0) is None  # out of view: not yet
    qtbot.waitUntil(lambda: all(table.item(row, 0) is not None for row in rows), timeout=2000)
    for run, row in zip(group.runs, rows):
        assert texts(table, row)[:3] == [run.name, SETTINGS.describe(), str(run.status)]
        assert texts(table, row)[5] == "0"
        swatch = table.item(row, 0).icon().pixmap(SWATCH, SWATCH).toImage()
        assert swatch.pixelColor(SWATCH // 2, SWATCH // 2) == QColor(run.color)
        assert swatch.pixelColor(0, 0) == QColor("#888888")  # (its rim)
        assert table.item(row, 0).checkState().name == "Checked"


def test_rows_in_view_are_filled_at_once_and_a_row_gone_before_its_turn_is_skipped(qtbot, shown):
    table = shown_table(shown)
    group = sweep_of(32)
    for run in group.runs:
        table.add_run(run)
    assert texts(table, 1)[0] == group.runs[0].name  # in view, at once
    late = group.runs[-1]
    table.remove_run(late)
    qtbot.waitUntil(lambda: all(table.item(row, 0) is not None for row in range(table.rowCount())), timeout=2000)
    assert late not in table.all_runs() and table.rowCount() == 32  # the heading and 31 runs
    assert [texts(table, row)[0] for row in range(1, 32)] == [run.name for run in group.runs[:-1]]
