"""The History tab: every run ever recorded, filtered by data set, optimizer, date and
text, sorted by any column; a tick puts a run's curves in the studio, renames and notes
are kept, and Delete moves runs to the trash (which can be shown, restored, emptied)."""

import time

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QSortFilterProxyModel, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (QAbstractItemView, QCheckBox, QComboBox, QHBoxLayout, QHeaderView, QLabel,
                               QLineEdit, QMessageBox, QPushButton, QTableView, QVBoxLayout, QWidget)

#: (heading, what it shows) of each column; the first is the tick.
COLUMNS = ("shown", "id", "name", "status", "optimizer", "batch", "learning rate", "test accuracy",
           "test loss", "created", "data", "from", "notes")
EDITABLE = {"name", "notes"}
#: The date filter's choices: (label, seconds back; None: any time).
PERIODS = (("any time", None), ("today", "today"), ("last 7 days", 7 * 86400), ("last 30 days", 30 * 86400))
ALL = "all"


def _data_label(record):
    if not record.data_folder:
        return ""
    return f"{record.data_folder.rstrip('/').rsplit('/', 1)[-1]} ({record.data_hash[:6]})"


def _cell(record, column):
    """(shown text, value to sort by) of ``record`` in ``column``."""
    settings = record.settings
    if column == "id":
        return str(record.id), record.id
    if column == "name":
        return record.name, record.name.lower()
    if column == "status":
        return record.status, record.status
    if column == "optimizer":
        return ("?", "") if record.status == "imported" else (record.optimizer, record.optimizer)
    if column == "batch":
        batch = "full" if settings.batch_size is None else str(settings.batch_size)
        return batch, settings.batch_size or 0
    if column == "learning rate":
        return f"{settings.learning_rate:.3g}", settings.learning_rate
    if column in ("test accuracy", "test loss"):
        value = record.test_accuracy if column == "test accuracy" else record.test_loss
        return ("", -1.0) if value is None else (f"{value:.4f}", value)
    if column == "created":
        return time.strftime("%Y-%m-%d %H:%M", time.localtime(record.created)), record.created
    if column == "data":
        return _data_label(record), _data_label(record)
    if column == "from":
        return record.source, record.source
    if column == "notes":
        return record.notes, record.notes.lower()
    return "", 0


class HistoryModel(QAbstractTableModel):
    """The records as rows; ``shown`` the history ids in the run list (ticked)."""

    ticked = Signal(int, bool)
    edited = Signal(int, str, str)  # history id, column ("name" or "notes"), text

    def __init__(self, parent=None):
        super().__init__(parent)
        self.records = []
        self.shown = set()

    def set_records(self, records, shown):
        self.beginResetModel()
        self.records, self.shown = list(records), set(shown)
        self.endResetModel()

    def sort(self, column, order=Qt.SortOrder.AscendingOrder):
        """Sort the records themselves (a proxy's sort asks for every compared value
        through Python: half a second for 10,000 runs; this takes milliseconds)."""
        name = COLUMNS[column]
        if name == "shown":
            def key(record):
                return record.id in self.shown
        else:
            def key(record):
                return _cell(record, name)[1]
        self.layoutAboutToBeChanged.emit()
        self.records.sort(key=key, reverse=order == Qt.SortOrder.DescendingOrder)
        self.layoutChanged.emit()

    def rowCount(self, parent=QModelIndex()):
        return 0 if parent.isValid() else len(self.records)

    def columnCount(self, parent=QModelIndex()):
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return "" if section == 0 else COLUMNS[section]
        return None

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        record = self.records[index.row()]
        column = COLUMNS[index.column()]
        if column == "shown":
            if role == Qt.ItemDataRole.CheckStateRole:
                return Qt.CheckState.Checked if record.id in self.shown else Qt.CheckState.Unchecked
            if role == Qt.ItemDataRole.UserRole:
                return int(record.id in self.shown)
            if role == Qt.ItemDataRole.ToolTipRole:
                return "ticked: in the run list, with its curves on the plots"
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            return _cell(record, column)[0]
        if role == Qt.ItemDataRole.UserRole:
            return _cell(record, column)[1]
        if role == Qt.ItemDataRole.ToolTipRole and column in ("data", "status"):
            return record.data_folder if column == "data" else record.message or None
        return None

    def flags(self, index):
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        column = COLUMNS[index.column()]
        if column == "shown":
            flags |= Qt.ItemFlag.ItemIsUserCheckable
        if column in EDITABLE:
            flags |= Qt.ItemFlag.ItemIsEditable
        return flags

    def setData(self, index, value, role=Qt.ItemDataRole.EditRole):
        record = self.records[index.row()]
        column = COLUMNS[index.column()]
        if column == "shown" and role == Qt.ItemDataRole.CheckStateRole:
            on = Qt.CheckState(value) == Qt.CheckState.Checked
            (self.shown.add if on else self.shown.discard)(record.id)
            self.dataChanged.emit(index, index)
            self.ticked.emit(record.id, on)
            return True
        if column in EDITABLE and role == Qt.ItemDataRole.EditRole:
            self.edited.emit(record.id, column, str(value))
            return True
        return False


class HistoryFilter(QSortFilterProxyModel):
    """Rows of one data set and optimizer, since a date, holding a text."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.data_set = ALL
        self.optimizer = ALL
        self.since = None
        self.text = ""
        self.setDynamicSortFilter(False)  # the source model sorts itself

    def set_criteria(self, data_set=ALL, optimizer=ALL, since=None, text=""):
        # Qt 6.10 replaced invalidateFilter (deprecated) by a begin/end pair.
        staged = hasattr(self, "endFilterChange")
        if staged:
            self.beginFilterChange()
        self.data_set, self.optimizer, self.since, self.text = data_set, optimizer, since, text.lower()
        if staged:
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
        else:
            self.invalidateFilter()

    def filterAcceptsRow(self, row, parent):
        record = self.sourceModel().records[row]
        if self.data_set != ALL and record.data_hash != self.data_set:
            return False
        if self.optimizer != ALL and record.optimizer != self.optimizer:
            return False
        if self.since is not None and record.created < self.since:
            return False
        if self.text and not any(self.text in field.lower()
                                 for field in (record.name, record.notes, record.sweep, record.source)):
            return False
        return True


class HistoryView(QWidget):
    """The History tab. Its requests, by history id: ``openRequested`` (into the run list),
    ``closeRequested`` (off it), ``renameRequested``, ``notesChanged``, ``trashRequested``,
    ``restoreRequested``, ``emptyTrashRequested``; ``refreshRequested(trashed)`` asks for
    :meth:`show_records`."""

    openRequested = Signal(list)
    closeRequested = Signal(list)
    renameRequested = Signal(int, str)
    notesChanged = Signal(int, str)
    trashRequested = Signal(list)
    restoreRequested = Signal(list)
    emptyTrashRequested = Signal()
    refreshRequested = Signal(bool)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("historyView")
        self.model = HistoryModel(self)
        self.rows = HistoryFilter(self)
        self.rows.setSourceModel(self.model)
        self.table = QTableView(objectName="historyTable")
        self.table.setModel(self.rows)
        header = self.table.horizontalHeader()
        header.setSectionsClickable(True)
        header.setSortIndicatorShown(True)
        header.setSortIndicator(COLUMNS.index("id"), Qt.SortOrder.DescendingOrder)
        header.sortIndicatorChanged.connect(self.model.sort)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked
                                   | QAbstractItemView.EditTrigger.EditKeyPressed)
        self.table.verticalHeader().setVisible(False)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setResizeContentsPrecision(200)  # widths from the first rows: cheap for 10,000
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(COLUMNS.index("name"), QHeaderView.ResizeMode.Interactive)
        header.resizeSection(COLUMNS.index("name"), 260)
        header.setStretchLastSection(True)
        self.data_box = QComboBox(objectName="historyDataFilter")
        self.optimizer_box = QComboBox(objectName="historyOptimizerFilter")
        self.period_box = QComboBox(objectName="historyDateFilter")
        for label, _ in PERIODS:
            self.period_box.addItem(label)
        self.search = QLineEdit(objectName="historySearch", placeholderText="name, notes, sweep…")
        self.search.setClearButtonEnabled(True)
        self.trash_box = QCheckBox("Trash", objectName="historyTrashToggle")
        self.trash_box.setToolTip("show the runs in the trash instead")
        self.open_button = QPushButton("Open", objectName="historyOpenButton")
        self.open_button.setToolTip("put the selected runs in the run list")
        self.delete_button = QPushButton("Move to trash", objectName="historyTrashButton")
        self.restore_button = QPushButton("Restore", objectName="historyRestoreButton")
        self.empty_button = QPushButton("Empty trash…", objectName="historyEmptyTrashButton")
        self.count = QLabel(objectName="historyCount")
        self.problem = QLabel(objectName="historyProblem")
        self.problem.setWordWrap(True)
        self.problem.setVisible(False)

        filters = QHBoxLayout()
        for label, box in (("Data", self.data_box), ("Optimizer", self.optimizer_box),
                           ("Created", self.period_box)):
            filters.addWidget(QLabel(label))
            filters.addWidget(box)
        filters.addWidget(self.search, 1)
        filters.addWidget(self.trash_box)
        actions = QHBoxLayout()
        for button in (self.open_button, self.delete_button, self.restore_button, self.empty_button):
            actions.addWidget(button)
        actions.addStretch(1)
        actions.addWidget(self.count)
        layout = QVBoxLayout(self)
        layout.addWidget(self.problem)
        layout.addLayout(filters)
        layout.addWidget(self.table, 1)
        layout.addLayout(actions)

        for box in (self.data_box, self.optimizer_box, self.period_box):
            box.currentIndexChanged.connect(lambda _: self._filter())
        self.search.textChanged.connect(lambda _: self._filter())
        self.trash_box.toggled.connect(lambda on: self.refreshRequested.emit(on))
        self.open_button.clicked.connect(lambda: self.openRequested.emit(self.selected_ids()))
        self.table.doubleClicked.connect(self._double_clicked)
        self.delete_button.clicked.connect(self._trash_selected)
        self.restore_button.clicked.connect(lambda: self.restoreRequested.emit(self.selected_ids()))
        self.empty_button.clicked.connect(self._empty_trash)
        delete = QShortcut(QKeySequence.StandardKey.Delete, self.table)
        delete.setContext(Qt.ShortcutContext.WidgetShortcut)
        delete.activated.connect(self._trash_selected)
        self.model.ticked.connect(lambda i, on: (self.openRequested if on else self.closeRequested).emit([i]))
        self.model.edited.connect(self._edited)
        self._show_trash_buttons(False)

    @property
    def trashed(self):
        return self.trash_box.isChecked()

    def show_records(self, listing):
        """Show a :class:`app.controller.history.HistoryListing` (ignored when it is not
        what the view shows now: the trash, or not)."""
        if listing.trashed != self.trashed:
            return
        selected = set(self.selected_ids())
        self.model.set_records(listing.records, listing.shown)
        header = self.table.horizontalHeader()
        self.model.sort(header.sortIndicatorSection(), header.sortIndicatorOrder())
        self._fill_choices(self.data_box, [(r.data_hash, _data_label(r)) for r in listing.records if r.data_hash])
        self._fill_choices(self.optimizer_box, [(r.optimizer, r.optimizer) for r in listing.records
                                                if r.status != "imported"])
        self._show_trash_buttons(listing.trashed)
        self._filter()
        if selected:
            self.select_ids(selected)

    def show_problem(self, text):
        """Why the history is not recorded (a read-only or damaged file), above the list."""
        self.problem.setText(text)
        self.problem.setVisible(bool(text))

    def _fill_choices(self, box, pairs):
        keep = box.currentData()
        choices = dict(pairs)
        wanted = [(ALL, "all")] + sorted(choices.items(), key=lambda kv: kv[1])
        if [(box.itemData(i), box.itemText(i)) for i in range(box.count())] != wanted:
            box.blockSignals(True)
            box.clear()
            for key, label in wanted:
                box.addItem(label, key)
            box.setCurrentIndex(max(0, box.findData(keep)))
            box.blockSignals(False)

    def _filter(self):
        label, period = PERIODS[self.period_box.currentIndex()]
        if period == "today":
            now = time.localtime()
            since = time.mktime((now.tm_year, now.tm_mon, now.tm_mday, 0, 0, 0, 0, 0, -1))
        else:
            since = None if period is None else time.time() - period
        self.rows.set_criteria(self.data_box.currentData() or ALL, self.optimizer_box.currentData() or ALL,
                               since, self.search.text())
        shown, total = self.rows.rowCount(), self.model.rowCount()
        kind = "in the trash" if self.trashed else "recorded"
        self.count.setText(f"{shown:,} of {total:,} runs {kind}" if shown != total else f"{total:,} runs {kind}")

    def _show_trash_buttons(self, trashed):
        self.open_button.setVisible(not trashed)
        self.delete_button.setVisible(not trashed)
        self.restore_button.setVisible(trashed)
        self.empty_button.setVisible(trashed)

    def selected_ids(self):
        rows = {self.rows.mapToSource(index).row() for index in self.table.selectionModel().selectedRows()}
        return [self.model.records[row].id for row in sorted(rows)]

    def select_ids(self, ids):
        selection = self.table.selectionModel()
        selection.clearSelection()
        for row, record in enumerate(self.model.records):
            if record.id in ids:
                index = self.rows.mapFromSource(self.model.index(row, 0))
                if index.isValid():
                    selection.select(index, selection.SelectionFlag.Select | selection.SelectionFlag.Rows)

    def _double_clicked(self, index):
        if COLUMNS[index.column()] not in EDITABLE and not self.trashed:
            self.openRequested.emit([self.model.records[self.rows.mapToSource(index).row()].id])

    def _trash_selected(self):
        ids = self.selected_ids()
        if ids and not self.trashed:
            self.trashRequested.emit(ids)

    def _empty_trash(self):
        count = self.model.rowCount()
        if count and QMessageBox.question(
                self, "Empty trash", f"Forget the {count} run(s) in the trash for good?") == \
                QMessageBox.StandardButton.Yes:
            self.emptyTrashRequested.emit()

    def _edited(self, history_id, column, text):
        if column == "name" and text.strip():
            self.renameRequested.emit(history_id, text.strip())
        elif column == "notes":
            self.notesChanged.emit(history_id, text)


def offer_to_move_aside(parent, problem, move):
    """A box (``historyProblemBox``) saying why the run history cannot be used, offering to
    move its file aside (renamed, never deleted) and start a new one: ``move()`` if so."""
    box = QMessageBox(QMessageBox.Icon.Warning, "Softmax Lab",
                      f"{problem}\n\nRuns are not recorded. Move the file aside (it is kept, renamed) "
                      "and start a new history?", parent=parent)
    box.setObjectName("historyProblemBox")
    accept = box.addButton("Move aside and start anew", QMessageBox.ButtonRole.AcceptRole)
    box.addButton("Continue without recording", QMessageBox.ButtonRole.RejectRole)
    box.buttonClicked.connect(lambda button: button is accept and move())
    box.open()
    return box
