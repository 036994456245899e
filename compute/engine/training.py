"""The training loop: a generator of progress points, and snapshots of a run.

:meth:`Training.steps` is a generator. It does the work in chunks of about
:data:`CHUNK_SECONDS` and yields after every chunk: a :class:`Point` when one is due
(every ``eval_every`` samples and at the end of each epoch), otherwise ``None``. Those
yields are the only places where the consumer pauses (by not asking for the next
item), stops (by closing the generator) or reads the current model, so a stop is
honoured within one chunk even for full-batch steps and huge epochs. Time spent
between yields in the consumer (paused, plotting) is not counted as training time.

Results do not depend on how the work is chunked: a run is reproducible bit for bit
from its settings and seed.
"""

import math
import time

import numpy as np

from .. import kernels
from .inputs import Inputs
from .points import Point, Snapshot
from ..storage.params import Model, frozen_model
from ..settings import SettingsError, learning_rates

#: Aim for this much work between two yields (seconds).
CHUNK_SECONDS = 0.02


class TrainingDiverged(ArithmeticError):
    """Parameters became NaN or inf; the training keeps its last finite parameters."""

    def __init__(self, message, samples_seen):
        super().__init__(message)
        self.samples_seen = samples_seen


def chunked_epochs(run, lead, epoch_order, train_chunk, evaluate):
    """The loop that a run and a sweep share, as a generator.

    Epoch after epoch, ``epoch_order(n)`` gives the order of the rows; chunks of
    mini-batches are trained by ``train_chunk(order, position, point_at)``, a generator
    that yields ``None`` while it works and returns the position it reached; when a point
    is due (every ``eval_every`` samples of ``lead``'s settings, and at each epoch's end)
    ``evaluate()``, a generator too, makes it, and it is yielded; ``None`` is yielded
    between chunks. Those yields are where the caller may pause, stop or look. ``run`` has
    ``samples_seen`` and ``finished``.
    """
    n = lead.data.train.n_samples
    next_point = lead.next_point_after(run.samples_seen)
    while not run.finished:
        epoch_start = (run.samples_seen // n) * n
        order = epoch_order(n)
        position = run.samples_seen - epoch_start
        while position < n and not run.finished:
            position = yield from train_chunk(order, position, next_point - epoch_start)
            if run.samples_seen >= next_point or position >= n:
                yield (yield from evaluate())
                next_point = lead.next_point_after(run.samples_seen)
            else:
                yield None


class Training:
    """One run: data, settings, current parameters and the points so far.

    Parameters
    ----------
    data : compute.storage.data.DataPair
        With ``test`` None, points measure the training set only (test figures NaN).
    settings : Settings
    model : compute.storage.params.Model, optional
        Start from these parameters instead of the settings' initialisation.
    precision : numpy dtype, optional
        The parameters' precision while training: float32 (the default, and what makes
        the kernels fast), or float64 (as the course's numpy code trained).
    """

    def __init__(self, data, settings, model=None, precision=None):
        self.data = data
        self.settings = settings.validated()
        self.n_classes = data.n_classes
        train = data.train
        # The inputs are computed when the run starts (prepare), not here: in the caller's thread.
        self.inputs = Inputs.of(settings)
        self._prepared = self.inputs.pixels
        self.image_pixels = train.n_features
        d = self.inputs.reading(train)
        if model is None:
            model = Model.initial(self.n_classes, d, settings.init, settings.seed)
        elif model.n_features != d or model.n_classes != self.n_classes:
            raise SettingsError(f"starting parameters are {model.n_classes}x{model.n_features} "
                                f"but the data needs {self.n_classes}x{d}")
        # Trained in float32 (see kernels.TRAINING_DTYPE); evaluated, like a saved file,
        # in float64 from a copy, so that a point's figures are those of the file.
        self._P64 = model.packed()
        precision = kernels.TRAINING_DTYPE if precision is None else np.dtype(precision)
        self._state = kernels.TrainingState.start(self._P64.astype(precision))
        self._P = self._state.parameters
        self._finite_P = self._P.copy()
        self._optimizer = settings.optimizer_rule()
        n = train.n_samples
        self.batch_size = settings.effective_batch(n)
        self.full_batch = settings.batch_size is None
        self.total_samples = settings.epochs * n
        self.samples_seen = 0
        self.train_seconds = 0.0
        self.eval_seconds = 0.0
        self.points = []
        #: The snapshot of the last point: parameters and the metrics they were measured at.
        self.evaluated = None
        self.learning_rate = float(learning_rates(settings, [0], self.total_samples, n)[0])
        self._rng = np.random.default_rng(settings.seed)
        self._chunk_rows = kernels.BLOCK_ROWS
        self._parallel_rows = 0
        self._scratch = None

    # ------------------------------------------------------------------ queries

    @property
    def updates(self):
        return self._state.updates

    @property
    def epoch(self):
        return self.samples_seen / self.data.train.n_samples

    @property
    def finished(self):
        return self.samples_seen >= self.total_samples

    def snapshot(self):
        """The run as it stands, as an immutable :class:`Snapshot`.

        Call it only between items of :meth:`steps` (the parameters are copied, so a
        kernel must not be writing them). While no update has happened since the last
        point, the snapshot shares that point and its parameters.
        """
        evaluated = self.evaluated
        if evaluated is not None and evaluated.updates == self.updates:
            return self._snapshot(evaluated.model, evaluated.point)
        return self._snapshot(self._copy_parameters(), None)

    def _copy_parameters(self):
        return frozen_model(Model.from_packed(self._P, self.n_classes))

    def _snapshot(self, model, point):
        return Snapshot(self.settings, model, point, self.samples_seen, self.updates, self.epoch,
                        self.learning_rate, self.train_seconds, self.eval_seconds,
                        self.total_samples, self.data.train.source, self.data.class_names,
                        self.image_pixels)

    # --------------------------------------------------------------- the loop

    def run(self, on_point=None):
        """Train to the end; return the last point. ``on_point`` sees every point."""
        for point in self.steps():
            if point is not None and on_point is not None:
                on_point(point)
        return self.points[-1]

    def steps(self):
        """Generator of the run: yields a :class:`Point` when due, else ``None``.

        Raises :class:`TrainingDiverged` if the parameters stop being finite.
        """
        self.prepare()
        kernels.warm_up(self.data.train.rows, self.n_classes, self.full_batch)
        if not self.points:
            yield (yield from self.evaluate_point())
        yield from chunked_epochs(self, self, self._epoch_order, self._train_step, self.evaluate_point)

    # ------------------------------------------- the step API (a sweep drives it too)

    def prepare(self, prepared=None):
        """Compute the inputs the settings choose (deskewed images, gradient histograms),
        once; or take ``prepared``, another run's data with the same inputs, prepared."""
        if not self._prepared:
            self.data, self._prepared = prepared or self.inputs.pair(self.data), True

    @property
    def state(self):
        """The parameters and optimizer state the kernels update."""
        return self._state

    @property
    def optimizer(self):
        """The update rule and its settings, as the kernels take them."""
        return self._optimizer

    def share_state(self, state):
        """Train in ``state`` from now on: a view of a sweep's stacked state, holding this
        run's parameters and optimizer state."""
        self._state = state
        self._P = state.parameters

    def next_point_after(self, samples):
        """Samples seen at the next point after ``samples``: every ``eval_every`` samples
        and at each epoch's end."""
        every = self.settings.eval_every
        epoch_end = (samples // self.data.train.n_samples + 1) * self.data.train.n_samples
        return min((samples // every + 1) * every, epoch_end)

    def rates(self, first_sample, n_updates):
        """The learning rates of ``n_updates`` updates from ``first_sample`` on."""
        starts = first_sample + np.arange(n_updates) * self.batch_size
        return learning_rates(self.settings, starts, self.total_samples, self.data.train.n_samples)

    def chunk_end(self, position, point_at):
        """Where the chunk of mini-batches from ``position`` stops: at the batch that
        reaches the next point (``point_at``), the epoch's end, or the time budget."""
        batch = self.batch_size
        batches_to_point = max(1, -(-(point_at - position) // batch))
        batches = max(1, min(batches_to_point, self._chunk_rows // batch))
        return min(self.data.train.n_samples, position + batches * batch)

    def chunk_trained(self, rows, rates, elapsed, updates=None):
        """Account for a chunk of ``rows`` trained at ``rates`` in ``elapsed`` seconds (here,
        or by a sweep's shared kernel, which says how many ``updates`` the run has made):
        the next chunk's size, the counts, the learning rate, and whether the parameters
        are still finite (else :class:`TrainingDiverged`)."""
        self._adapt_chunk(rows, elapsed)
        if updates is not None:
            self._state.updates = updates
        self.train_seconds += elapsed
        self.samples_seen += rows
        self.learning_rate = float(rates[-1])
        self._check_finite()

    def evaluate_point(self):
        """Generator: measure loss and accuracy on both sets (yielding ``None`` between
        blocks) and return the new :class:`Point`, kept with a snapshot of the parameters.
        Raises :class:`TrainingDiverged` when a loss is not finite."""
        self._P64[:] = self._P
        train_loss, train_accuracy = yield from self._evaluate_set(self.data.train)
        test_loss, test_accuracy = ((yield from self._evaluate_set(self.data.test))
                                    if self.data.test is not None else (math.nan, math.nan))
        point = Point(self.samples_seen, self.updates, self.epoch, train_loss, train_accuracy,
                      test_loss, test_accuracy, self.learning_rate, self.train_seconds,
                      self.eval_seconds)
        if not (math.isfinite(train_loss) and (self.data.test is None or math.isfinite(test_loss))):
            self._diverged()
        self.points.append(point)
        self.evaluated = self._snapshot(self._copy_parameters(), point)
        return point

    # ------------------------------------------------------------- inside a run

    def _epoch_order(self, n):
        if self.settings.shuffle and not self.full_batch:
            return self._rng.permutation(n).astype(np.int64)
        return np.arange(n, dtype=np.int64)

    def _train_step(self, order, position, point_at):
        """Train from ``position`` in the epoch up to a point, the epoch end or a time
        budget (a full batch: one update, yielding between its blocks); where it stopped."""
        if self.full_batch:
            yield from self._full_batch_update()
            return self.data.train.n_samples
        train = self.data.train
        stop = self.chunk_end(position, point_at)
        rates = self.rates(self.samples_seen, -(-(stop - position) // self.batch_size))
        started = time.perf_counter()
        kernels.train_batches(self._state, self._optimizer, train.rows, train.labels,
                              self.n_classes, order[position:stop], self.batch_size, rates)
        self.chunk_trained(stop - position, rates, time.perf_counter() - started)
        return stop

    def _full_batch_update(self):
        train = self.data.train
        n = train.n_samples
        gradient = self._state.gradient
        gradient[:] = 0.0
        start = 0
        while start < n:
            blocks = self._parallel_chunk_rows() // kernels.BLOCK_ROWS
            if self._scratch is None or self._scratch.shape[0] < blocks:
                self._scratch = np.empty((blocks,) + self._P.shape, self._P.dtype)
            stop = min(n, start + blocks * kernels.BLOCK_ROWS)
            started = time.perf_counter()
            kernels.gradient_sum(self._P, train.rows, train.labels, self.n_classes, start, stop,
                                 out=gradient, scratch=self._scratch)
            elapsed = time.perf_counter() - started
            self.train_seconds += elapsed
            self._adapt_parallel_chunk(stop - start, elapsed)
            start = stop
            if start < n:
                yield None
        started = time.perf_counter()
        gradient *= 1.0 / n
        rate = float(self.rates(self.samples_seen, 1)[0])
        kernels.optimizer_step(self._state, self._optimizer, rate)
        self.train_seconds += time.perf_counter() - started
        self.samples_seen += n
        self.learning_rate = rate
        self._check_finite()

    def _adapt_chunk(self, rows, elapsed):
        if elapsed > 0:
            wanted = rows * CHUNK_SECONDS / elapsed
            self._chunk_rows = int(min(max(wanted, kernels.BLOCK_ROWS), 64 * self._chunk_rows))

    def _parallel_chunk_rows(self):
        # At least a few blocks per thread, so that parallel kernels have work to split.
        floor = 4 * kernels.thread_count() * kernels.BLOCK_ROWS
        return max(floor, (self._parallel_rows // kernels.BLOCK_ROWS) * kernels.BLOCK_ROWS)

    def _adapt_parallel_chunk(self, rows, elapsed):
        if elapsed > 0:
            self._parallel_rows = int(min(rows * CHUNK_SECONDS / elapsed, 1 << 30))

    def _check_finite(self):
        if np.isfinite(self._P).all():
            self._finite_P[:] = self._P
            return
        self._diverged()

    def _diverged(self):
        self._P[:] = self._finite_P
        raise TrainingDiverged(
            f"diverged after {self.samples_seen:,} samples; try a learning rate below "
            f"{self.settings.learning_rate / 2:g}", self.samples_seen)

    def _evaluate_set(self, dataset):
        n = dataset.n_samples
        loss, correct = 0.0, 0
        step = self._parallel_chunk_rows()
        for start in range(0, n, step):
            if start:
                yield None
            started = time.perf_counter()
            stop = min(n, start + step)
            # Adding onto the running loss block by block keeps the sum independent of
            # how the time-based chunks fall.
            loss, part_correct = kernels.evaluate_sums(
                self._P64, dataset.rows, dataset.labels, self.n_classes, start, stop,
                loss_start=loss)
            elapsed = time.perf_counter() - started
            self.eval_seconds += elapsed
            self._adapt_parallel_chunk(stop - start, elapsed)
            correct += part_correct
        return loss / n, correct / n
