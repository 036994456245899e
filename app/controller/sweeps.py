"""The controller's sweeps: many settings trained at once (:mod:`compute.engine.sweep`), their
members as runs in the run list, their news from the worker forwarded as signals."""


from compute.engine import sweep as sweeps
from compute.engine.runs import RunStatus, SweepGroup
from ui.colours import ramp_colour
from compute.settings import SettingsError
from .jobs import run_in_background

from .workers import describe, drive_sweep


class SweepConcern:
    """Mixed into :class:`app.controller.RunController`, whose run state and signals it
    uses (``_refused``, ``_new_run``, ``_set_status``, ``runs``, ``_active``, ...)."""

    def start_sweep(self, base, setting, values):
        """Train ``base`` with each of ``values`` for ``setting`` (a setting's name), as one
        sweep: its members are runs (named after their value, coloured along a ramp) that
        train together, in one pass over the data where they can share it. Returns the
        :class:`SweepGroup`, or None when refused (with a message)."""
        if self._refused():
            return None
        try:
            members = sweeps.expand(base, {setting: list(values)})
        except SettingsError as error:
            self.message.emit(str(error))
            return None
        group = SweepGroup(f"sweep {next(self._sweeps)}", setting, list(values))
        for i, (settings, swept) in enumerate(members):
            run = self._new_run(settings, name=f"{group.name}: {sweeps.member_name(swept)}")
            run.color = ramp_colour(i / max(len(members) - 1, 1))
            run.sweep = group
            group.runs.append(run)
        self.runs.extend(group.runs)
        for run in group.runs:
            self.runAdded.emit(run)
            self._record(run)
        self.sweepAdded.emit(group)
        self._sweep = group
        self._active = group.runs[0]
        self.busyChanged.emit(True)
        self._worker = run_in_background(
            drive_sweep, self.data, [run.settings for run in group.runs], start=False,
            on_yield=lambda news: self._on_sweep_news(group, news),
            on_result=lambda _: self._sweep_ended(group, RunStatus.FINISHED),
            on_error=lambda error: self._sweep_failed(group, error))
        self._worker.aborted.connect(lambda: self._sweep_ended(group, RunStatus.STOPPED))
        self._worker.paused.connect(lambda: self._sweep_paused(group, True))
        self._worker.resumed.connect(lambda: self._sweep_paused(group, False))
        self._worker.start()
        return group

    def _on_sweep_news(self, group, news):
        if group is not self._sweep:
            return
        runs = group.runs
        for i in news.started:
            self._set_status(runs[i], RunStatus.RUNNING)
        for i, snapshot in news.snapshots:
            if runs[i].publish(snapshot):
                self._record_points(runs[i])
                self.pointsAdded.emit(runs[i])
        if news.progress is not None:
            runs[news.progress[0]].publish(news.progress[1])
        for i, message in news.diverged:
            runs[i].status, runs[i].message = RunStatus.DIVERGED, message
            self._record_end(runs[i])
            self.runChanged.emit(runs[i])
        for i in news.finished:
            runs[i].status = RunStatus.FINISHED
            self._record_end(runs[i])
            self.runChanged.emit(runs[i])
        running = [run for run in runs if run.status == RunStatus.RUNNING]
        if running:
            self._active = running[0]
        if news.snapshots or news.finished:
            self._throttled_progress.cancel()
            self.progress.emit(self._active)
        else:
            self._throttled_progress(self._active)
        if news.snapshots or news.started or news.diverged or news.finished:
            self.sweepChanged.emit(group)  # points or statuses: not mere progress

    def _sweep_paused(self, group, paused):
        for run in group.runs:
            if run.status in ((RunStatus.RUNNING,) if paused else (RunStatus.PAUSED,)):
                self._set_status(run, RunStatus.PAUSED if paused else RunStatus.RUNNING)

    def _sweep_ended(self, group, status, message=""):
        if group is not self._sweep:
            return
        for run in group.runs:
            if not run.status.ended:
                run.status, run.message = status, message
                self._record_end(run)
                self.runChanged.emit(run)
        active = self._active
        self._sweep = self._active = self._worker = None
        self._throttled_progress.cancel()
        self.progress.emit(active)
        self.busyChanged.emit(False)
        self.sweepChanged.emit(group)

    def _sweep_failed(self, group, error):
        self._sweep_ended(group, RunStatus.FAILED, describe(error))
        self.message.emit(f"{group.name}: {describe(error)}")
