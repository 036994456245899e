"""Inside the model and the cost of each optimizer: weights, confusion, cost table.

Views follow the run selected in the run list. While it trains they refresh from
snapshots at most every REFRESH_MS, and only while this tab is on screen, so they never
slow training noticeably. Evaluations run in worker threads; an answer for a selection
that has since changed is dropped.
"""

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QTabWidget, QVBoxLayout, QWidget
from compute.studies import analysis
from compute.engine import metrics
from compute.engine.inputs import PIXELS, Inputs

from .confusion_view import ConfusionView
from .cost_table import CostTable
from .weights_view import WeightsView

REFRESH_MS = 1000


def _evaluate(generation, model, dataset, inputs):
    return generation, metrics.evaluate(model, inputs.dataset(dataset), confusion=True)


def _examples(generation, model, dataset, inputs, true_class, predicted_class):
    seen = inputs.dataset(dataset)  # what the model reads; the pictures are the images
    rows, confidence = analysis.cell_examples(model, seen, true_class, predicted_class)
    evaluation = metrics.evaluate(model, seen, confusion=True)
    return (generation, dataset.rows.dense(rows), dataset.labels[rows],
            evaluation.predictions[rows], confidence)


class InsightsTab(QWidget):
    """The three views of the selected run; data and the run list arrive by
    :meth:`set_data` and :meth:`set_runs`, the selection by :meth:`set_run`.

    ``jobs`` runs the evaluations off the GUI thread (see :class:`ui.view.Jobs`).
    """

    def __init__(self, jobs, parent=None):
        super().__init__(parent)
        self._jobs = jobs
        self.data = None
        self.runs = []
        self.weights = WeightsView()
        self.confusion = ConfusionView()
        self.cost = CostTable()
        self.views = QTabWidget(objectName="insightViews")
        self.views.addTab(self.weights, "Weights")
        self.views.addTab(self.confusion, "Confusion")
        self.views.addTab(self.cost, "Cost and convergence")
        layout = QVBoxLayout(self)
        layout.addWidget(self.views)
        self.run = None
        self._stale = False
        self._generation = 0
        self._timer = QTimer(self, interval=REFRESH_MS)
        self._timer.timeout.connect(self._tick)
        self._timer.start()
        self.confusion.cellChosen.connect(lambda t, p: self._gallery(t, p))
        self.confusion.mistakesWanted.connect(lambda: self._gallery(None, None))
        self.views.currentChanged.connect(lambda _: self.refresh())

    def set_data(self, pair):
        """The data set the views measure on (its test set)."""
        self.data = pair
        self.refresh()

    def set_runs(self, runs):
        """The runs the cost table compares."""
        self.runs = list(runs)
        self._refresh_cost()

    def set_run(self, run):
        """Follow ``run`` (the selection in the run list), or nothing."""
        self.run = run
        self.refresh()

    def refresh(self):
        """Show the selected run's views now, or when this tab is next shown."""
        self._generation += 1
        self._stale = not self.isVisible()
        if self._stale:
            return  # nobody sees it: no weight images, no evaluation (showEvent catches up)
        model = self.run.model if self.run is not None else None
        title = self.run.name if self.run is not None else ""
        if self.views.currentWidget() is self.weights:
            self.weights.set_model(model, title, self.run.class_names if self.run is not None else (),
                                   self._inputs())
        elif self.views.currentWidget() is self.confusion:
            self._evaluate(model)
        self._refresh_cost()

    def showEvent(self, event):
        super().showEvent(event)
        if self._stale:
            self.refresh()

    def _tick(self):
        # Live updates only for a training run, only when someone can see them.
        if self.run is not None and self.run.active and self.isVisible():
            self.refresh()
        elif self.isVisible() and self.views.currentWidget() is self.cost:
            self._refresh_cost()

    def _refresh_cost(self):
        data = self.data
        if data is not None and self.isVisible():
            self.cost.set_runs(self.runs, data.train.n_samples, data.n_features, data.n_classes)

    def _say(self, error):
        self.confusion.show_idle()
        self.confusion.caption.setText(str(error))

    def _evaluate(self, model):
        data = self.data
        if model is None or data is None:
            self.confusion.set_confusion(None)
            return
        self._jobs(_evaluate, self._generation, model, data.test, self._inputs(),
                   on_result=self._evaluated, on_error=self._say)

    def _inputs(self):
        """What the selected run's model reads (the pixels, or a transform of them)."""
        return Inputs.of(self.run.settings) if self.run is not None else PIXELS

    def _evaluated(self, result):
        generation, evaluation = result
        if generation == self._generation and self.run is not None:
            self.confusion.set_confusion(evaluation.confusion, self.run.name, self.run.class_names)

    def _gallery(self, true_class, predicted_class):
        data = self.data
        if self.run is None or data is None:
            return
        names = self.run.class_names
        caption = ("Most confident mistakes" if true_class is None else
                   f"True {names[true_class]}, predicted {names[predicted_class]}, "
                   "most confident first")
        self.confusion.show_busy(caption)
        self._jobs(_examples, self._generation, self.run.model, data.test, self._inputs(), true_class,
                   predicted_class, on_result=lambda result: self._show_examples(caption, result),
                   on_error=self._say)

    def _show_examples(self, caption, result):
        generation, images, labels, predicted, confidence = result
        if generation == self._generation:
            self.confusion.show_examples(caption, images, labels, predicted, confidence)
