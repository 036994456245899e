"""The controller's files concern: every file the studio writes (parameters, curves,
pictures, reports, My digits, data), through the output guard and a worker thread, with
``fileWritten`` or a ``message`` after; and the My digits store, which the Draw tab asks
to change (``myDigitsChanged`` or ``myDigitsFailed`` after)."""

from pathlib import Path

from compute.storage import my_digits, params
from compute.storage.export import write_runs_csv
from compute.storage.files import FileWriteError, check_outputs
from compute.storage.sources import folder_files
from .jobs import run_in_background

from .workers import describe, naming, write_assignment_report, write_bytes


class FilesConcern:
    """Mixed into :class:`app.controller.RunController`: it reads ``data`` and emits
    ``fileWritten`` and ``message``."""

    def _inputs(self):
        """Every file the studio reads, which no output may replace: the open data's files
        (however it was opened), the bundled weights and My digits."""
        from app.resources import BUNDLED_BEST, BUNDLED_PIXELS

        paths = [BUNDLED_BEST, BUNDLED_PIXELS, my_digits.default_path()]
        if self.data is not None:
            for part in (self.data.train, self.data.test):
                paths += [part.source, *folder_files(Path(part.source).parent)]
        return paths

    def _write(self, function, *args, written, folder=False, outputs=None):
        """Write a file (or a new ``folder``) in a worker thread (saves fsync, reports
        evaluate): ``fileWritten`` with ``written`` when done, else a ``message``. Refused at
        once, with a message, when it would replace one of the studio's inputs
        (``outputs``: the files written, when ``written`` is a folder that may exist)."""
        targets = [(None, path, False) for path in outputs] if outputs else [(None, written, folder)]
        try:
            check_outputs(targets, self._inputs())
        except FileWriteError as error:
            self.message.emit(str(error))
            return
        run_in_background(naming(function, written), *args, on_error=self._tell,
                          on_result=lambda _: self.fileWritten.emit(str(written)))

    def _evaluated(self, run):
        """The newest snapshot of ``run`` that has a point (parameters with their metrics)."""
        if run.evaluated is None:
            self.message.emit(f"{run.name} has no evaluated parameters yet: wait for its first point.")
        return run.evaluated

    def save_params(self, run, path):
        """Save a run's parameters (course schema, atomic) in a worker thread.

        A training run saves its newest evaluated state, so the file's recorded metrics
        are exactly what its parameters give.
        """
        snapshot = self._evaluated(run)
        if snapshot is not None:
            self._write(params.save, path, snapshot.model, snapshot.metadata(), written=path)

    def export_csv(self, runs, path):
        """Write the points of ``runs`` as one CSV (a ``run`` column names each row's run),
        in a worker thread."""
        runs = [run for run in runs if run.points]
        if not runs:
            self.message.emit("These runs have no points yet.")
            return
        self._write(write_runs_csv, path, [(run.name, list(run.points)) for run in runs], written=path)

    def export_bytes(self, content, path):
        """Write ``content`` (a PNG, say) to ``path`` atomically, in a worker thread."""
        self._write(write_bytes, path, content, written=path)

    def export_my_digits(self, digits, n_classes, path):
        """Write My digits to ``path`` (course schema), in a worker thread."""
        self._write(my_digits.export, digits, n_classes, path, written=path)

    def load_my_digits(self):
        """Read My digits in a worker (reading checks the file with compiled kernels, which
        a first start would otherwise compile on the GUI thread)."""
        self._my_digits_job(my_digits.load)

    def add_my_digit(self, pixels, label, n_classes):
        """Keep a model input (28x28) with its label among ``n_classes``, in a worker."""
        self._my_digits_job(my_digits.add, pixels, label, n_classes)

    def import_my_digits(self, path, n_classes):
        """Add the examples of a course-schema file to My digits, in a worker."""
        self._my_digits_job(my_digits.import_file, path, n_classes)

    def clear_my_digits(self):
        """Forget every example of My digits, in a worker."""
        self._my_digits_job(my_digits.clear)

    def _my_digits_job(self, function, *args):
        run_in_background(function, *args, on_result=self.myDigitsChanged.emit,
                          on_error=lambda error: self.myDigitsFailed.emit(describe(error)))

    def write_assignment(self, runs, folder, curves_png):
        """Write the course assignment's report of ``runs`` ((name, Run) pairs, finished) in
        a worker thread (``fileWritten`` or ``message``)."""
        if self.data is None:
            return
        self._write(write_assignment_report, folder, self.data, runs, curves_png, written=folder, folder=True)

    def write_report(self, run, folder, curves_png):
        """Write ``run``'s report folder in a worker thread (``fileWritten`` or ``message``)."""
        from app.report import write_report

        snapshot = self._evaluated(run)
        if snapshot is None or self.data is None:
            return
        points = run.points[:run.points.index(snapshot.point) + 1]
        self._write(write_report, folder, run.name, run.settings, points, snapshot.model,
                    snapshot.metadata(), self.data.test, self.data.train.n_samples, curves_png,
                    written=folder, folder=True)
