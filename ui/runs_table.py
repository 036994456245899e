"""The run list: one row per run, ticked to overlay its curves, renamed in place; a
sweep's runs under a row of their own that folds them away (click it)."""

import functools

from PySide6.QtCore import QSignalBlocker, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QIcon, QImage, QKeySequence, QPixmap, QShortcut
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem

from compute.engine.runs import RunStatus, SweepGroup, sweeps_best

#: The name column's width at first (px); the user may drag it.
NAME_WIDTH = 170
#: The widest text each column holds (the name's and settings' are elided instead).
WIDEST = ("", "", "finished", "0.0000", "0.0000", "6,000,000", "00.00", "0,000,000")
COLUMNS = ("run", "settings", "status", "test accuracy", "test loss", "samples", "train s",
           "samples/s")

_DEFAULT_FLAGS = QTableWidgetItem().flags()
_NAME_FLAGS = _DEFAULT_FLAGS | Qt.ItemFlag.ItemIsUserCheckable  # (renamed in place, ticked)
_CELL_FLAGS = _DEFAULT_FLAGS & ~Qt.ItemFlag.ItemIsEditable
SWATCH = 12  # px: a run's colour beside its name
FILL_ROWS = 8  # rows out of view filled in a turn of the event loop (about 1 ms)


@functools.lru_cache(maxsize=512)
def _swatch(color):
    """The run's colour, with a grey rim: black runs stay visible on a dark theme. Made from
    its pixels, not painted (a painter for each of a sweep's 32 new rows cost 1-2 ms)."""
    blue, green, red = QColor(color).getRgb()[2::-1]
    rim, inside = bytes((0x88, 0x88, 0x88, 255)), bytes((blue, green, red, 255))
    edge = rim * SWATCH
    pixels = edge + (rim + inside * (SWATCH - 2) + rim) * (SWATCH - 2) + edge
    return QIcon(QPixmap.fromImage(QImage(pixels, SWATCH, SWATCH, QImage.Format.Format_ARGB32).copy()))


def _prototypes():
    """A new row's items as clones of these: their flags set once, not for each item."""
    prototypes = []
    for column in range(len(COLUMNS)):
        item = QTableWidgetItem()
        item.setFlags(_NAME_FLAGS if column == 0 else _CELL_FLAGS)
        prototypes.append(item)
    return prototypes


class RunsTable(QTableWidget):
    """Rows mirror the controller's runs; edits go out as signals."""

    visibilityToggled = Signal(object, bool)
    renamed = Signal(object, str)
    deleteRequested = Signal(object)
    selectedRunChanged = Signal(object)

    def __init__(self, parent=None):
        super().__init__(0, len(COLUMNS), parent)
        self.setObjectName("runsTable")
        self.setHorizontalHeaderLabels(COLUMNS)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked
                             | QAbstractItemView.EditTrigger.EditKeyPressed)
        self.verticalHeader().setVisible(False)
        header = self.horizontalHeader()
        # Columns sized once, by what they hold at most, not to their contents at every
        # change: that measured every row at each progress tick (1 ms a cell with 80 runs).
        # Long names and settings are elided, whole in their tooltips: a long name once
        # squeezed the settings into two-line rows, and the list showed four runs.
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        metrics = self.fontMetrics()
        for column, widest in enumerate(WIDEST):
            header.resizeSection(column, max(metrics.horizontalAdvance(widest), metrics.horizontalAdvance(
                COLUMNS[column])) + 14 if widest else NAME_WIDTH)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.setWordWrap(False)
        self.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        self._prototypes = _prototypes()
        self._unfilled = []  # runs whose rows are not filled in yet, out of view
        self._fill_later = QTimer(self, singleShot=True, interval=0)
        self._fill_later.timeout.connect(self._fill)
        self._runs = []  # what each row shows: a Run, or a SweepGroup's heading
        self._folded = set()  # sweeps whose runs are hidden
        self.itemChanged.connect(self._item_changed)
        self.cellClicked.connect(self._clicked)
        self.itemSelectionChanged.connect(lambda: self.selectedRunChanged.emit(self.selected_run()))
        delete = QShortcut(QKeySequence.StandardKey.Delete, self)
        delete.setContext(Qt.ShortcutContext.WidgetShortcut)
        delete.activated.connect(self._delete_selected)

    def add_run(self, run):
        if run.sweep is not None and run.sweep not in self._runs:
            self._runs.append(run.sweep)
            self.insertRow(self.rowCount())
            self.setSpan(self.rowCount() - 1, 0, 1, len(COLUMNS))
            self.update_sweep(run.sweep)
        self._runs.append(run)
        self.insertRow(self.rowCount())
        if run.sweep is None or self._in_view(self.rowCount() - 1):
            self.update_run(run)
        else:  # its texts in a later turn, a few rows a turn: a sweep's 32 took 3-10 ms of its click
            self._unfilled.append(run)
            self._fill_later.start()
        if run.sweep is None:
            self.selectRow(self.rowCount() - 1)

    def _in_view(self, row):
        return not self.isVisible() or self.rowViewportPosition(row) < self.viewport().height()

    def _fill(self):
        """Fill in the next few rows added out of view (:meth:`add_run`)."""
        for run in self._unfilled[:FILL_ROWS]:
            if run in self._runs and self.item(self._runs.index(run), 0) is None:
                self.update_run(run)
        del self._unfilled[:FILL_ROWS]
        if self._unfilled:
            self._fill_later.start()

    def remove_run(self, run):
        # Rows and entries go together, with the selection's signals held back until both
        # agree: removing a row moves the selection, and a slot reading the selected run
        # in between read past the end of the list (with two runs, Delete on the first).
        with QSignalBlocker(self):
            self._remove_row(self._runs.index(run))
            group = run.sweep
            if group is not None and not any(getattr(r, "sweep", None) is group for r in self._runs):
                self._remove_row(self._runs.index(group))  # its last run went: the heading too
        self.selectedRunChanged.emit(self.selected_run())

    def _remove_row(self, row):
        self._runs.pop(row)
        self.removeRow(row)

    def update_sweep(self, group):
        """The heading of ``group``: what it varies, how far it is, its best run so far."""
        row = self._runs.index(group)
        best = sweeps_best(group)
        arrow = "▸" if group in self._folded else "▾"
        text = (f"{arrow} {group.name}: {group.setting.replace('_', ' ')}, {len(group.runs)} values"
                + (f", best so far {best.name.split(': ', 1)[-1]} (test loss {best.last.test_loss:.4f})"
                   if best else "") + ("  (click to fold)" if group not in self._folded else ""))
        item = self.item(row, 0)
        with QSignalBlocker(self):  # (our own changes: not the user's edits)
            if item is None:
                item = QTableWidgetItem()
                item.setFlags(Qt.ItemFlag.ItemIsEnabled)
                font = item.font()
                font.setBold(True)
                item.setFont(font)
                self.setItem(row, 0, item)
            item.setText(text)

    def fold(self, group, folded):
        """Hide (``folded``) or show the runs of ``group``."""
        (self._folded.add if folded else self._folded.discard)(group)
        for row, entry in enumerate(self._runs):
            if getattr(entry, "sweep", None) is group:
                self.setRowHidden(row, folded)
        self.update_sweep(group)

    def _clicked(self, row, column):
        entry = self._runs[row]
        if isinstance(entry, SweepGroup):
            self.fold(entry, entry not in self._folded)

    def update_run(self, run):
        row = self._runs.index(run)
        last = run.last
        texts = [
            run.name,
            run.settings.describe() if run.status != RunStatus.LOADED else run.source,
            str(run.status) + (f": {run.message}" if run.message else ""),
            f"{last.test_accuracy:.4f}" if last else "",
            f"{last.test_loss:.4f}" if last else "",
            f"{run.samples_seen:,}",
            f"{run.train_seconds:.2f}" if run.train_seconds else "",
            f"{run.samples_per_second:,.0f}" if run.samples_per_second else "",
        ]
        with QSignalBlocker(self):  # (our own changes: not the user's edits)
            if self.item(row, 0) is None:  # a new row: its items made at once
                for column, text in enumerate(texts):
                    item = self._prototypes[column].clone()
                    if text:
                        item.setText(text)
                        if column < 2:  # (elided when long)
                            item.setToolTip(text)
                    if column == 0:
                        item.setIcon(_swatch(run.color))
                    self.setItem(row, column, item)
            else:
                for column, text in enumerate(texts):
                    item = self.item(row, column)
                    if item.text() != text:
                        item.setText(text)
                        if column < 2:
                            item.setToolTip(text)
            check = Qt.CheckState.Checked if run.visible else Qt.CheckState.Unchecked
            if self.item(row, 0).checkState() != check:
                self.item(row, 0).setCheckState(check)
            if run.message:
                self.item(row, 2).setToolTip(run.message)

    def selected_run(self):
        rows = self.selectionModel().selectedRows()
        entry = self._runs[rows[0].row()] if rows else None
        return None if isinstance(entry, SweepGroup) else entry

    def all_runs(self):
        """The runs listed, top to bottom (not the sweeps' headings)."""
        return [entry for entry in self._runs if not isinstance(entry, SweepGroup)]

    def _item_changed(self, item):
        if item.column() != 0:
            return
        run = self._runs[item.row()]
        if isinstance(run, SweepGroup):
            return
        visible = item.checkState() == Qt.CheckState.Checked
        if visible != run.visible:
            self.visibilityToggled.emit(run, visible)
        if item.text() != run.name:
            self.renamed.emit(run, item.text())

    def _delete_selected(self):
        run = self.selected_run()
        if run is not None:
            self.deleteRequested.emit(run)
