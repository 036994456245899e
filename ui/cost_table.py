"""Runs side by side: what each optimizer cost and how fast it got where.

Multiply-adds are those of the course's dense algorithm, counted batch by batch; the
target accuracy is the user's; "to target" is the first point at or above it.
"""

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QDoubleSpinBox, QHBoxLayout, QHeaderView, QLabel, QTableWidget,
                               QTableWidgetItem, QVBoxLayout, QWidget)

from compute.studies import analysis
from compute.engine.runs import RunStatus

COLUMNS = ("run", "optimizer", "batch", "updates", "samples", "mult-adds / update", "mult-adds total",
           "train s", "samples/s", "samples to target", "s to target", "test accuracy", "test loss")


def _si(value):
    for unit, size in (("T", 1e12), ("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if value >= size:
            return f"{value / size:.3g} {unit}"
    return f"{value:.3g}"


class CostTable(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("costView")
        self.target = QDoubleSpinBox(objectName="targetAccuracySpin")
        self.target.setRange(0.0, 1.0)
        self.target.setDecimals(3)
        self.target.setSingleStep(0.005)
        self.target.setValue(0.90)
        self.table = QTableWidget(0, len(COLUMNS), objectName="costTable")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        bar = QHBoxLayout()
        bar.addWidget(QLabel("Target test accuracy"))
        bar.addWidget(self.target)
        bar.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.table)
        self.runs = []
        self.n_train = None
        self.target.valueChanged.connect(lambda _: self.refresh())

    def set_runs(self, runs, n_train, n_features, n_classes):
        self.runs = [r for r in runs if r.status != RunStatus.LOADED]
        self.n_train, self.n_features, self.n_classes = n_train, n_features, n_classes
        self.refresh()

    def row_values(self, run):
        """The figures of one run, as numbers (None where they do not apply)."""
        s = run.settings
        batch = s.effective_batch(self.n_train)
        updates, total = analysis.multiply_adds(self.n_train, s.batch_size, s.epochs, self.n_features,
                                                self.n_classes, samples_seen=run.samples_seen)
        reached = analysis.first_reaching(run.points, self.target.value())
        last = run.last
        return {
            "run": run.name, "optimizer": f"{s.optimizer}, lr {s.learning_rate:g}", "batch": "full" if s.batch_size is None else batch, "updates": updates,
            "samples": run.samples_seen,
            "mult-adds / update": analysis.multiply_adds_per_update(batch, self.n_features, self.n_classes),
            "mult-adds total": total, "train s": run.train_seconds, "samples/s": run.samples_per_second,
            "samples to target": reached.samples_seen if reached else None,
            "s to target": reached.train_seconds if reached else None,
            "test accuracy": last.test_accuracy if last else None,
            "test loss": last.test_loss if last else None,
        }

    def refresh(self):
        self.table.setRowCount(len(self.runs))
        for row, run in enumerate(self.runs):
            values = self.row_values(run)
            for column, name in enumerate(COLUMNS):
                value = values[name]
                if value is None:
                    text = "not reached" if "target" in name else ""
                elif name in ("mult-adds / update", "mult-adds total"):
                    text = _si(value)
                elif name in ("updates", "samples", "samples to target"):
                    text = f"{value:,}"
                elif name in ("train s", "s to target"):
                    text = f"{value:.3f}"
                elif name == "samples/s":
                    text = f"{value:,.0f}"
                elif name in ("test accuracy", "test loss"):
                    text = f"{value:.4f}"
                else:
                    text = str(value)
                item = QTableWidgetItem(text)
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(row, column, item)
