"""The controller's history concern: the studio's runs are recorded in the run history
while they train, the last session's runs come back at start, runs trained elsewhere
(a terminal, a notebook) are followed while they train, and the History view's requests
(show, open, rename, notes, trash with Undo) are carried out.

Writes go through a :class:`compute.engine.recording.Recorder` (its own thread); reads
run as background jobs with a connection of their own. The GUI thread never waits on
the history.
"""

import os
import time
from dataclasses import dataclass

from PySide6.QtCore import QTimer

from compute.engine.recording import Recorder, RunRecording
from compute.storage import history as store

from .jobs import run_in_background
from .workers import describe, read_follow_news, read_history, read_runs

@dataclass
class HistoryListing:
    """What the History view shows: RunRecords, the ids of those in the run list, and
    whether they are the trash's."""

    records: list
    shown: set
    trashed: bool


#: How often runs trained elsewhere are looked for (ms): their points show within a second.
FOLLOW_MS = 500


class HistoryConcern:
    """Mixed into :class:`app.controller.RunController` (its runs, signals and colours)."""

    def _open_history(self, folder):
        """Start recording in ``folder`` (None: the default; False: record nothing)."""
        self._recordings = {}  # Run -> RunRecording
        self._trashed = []  # runs deleted from the list, newest last: Undo brings them back
        self._following = {}  # history id -> a Run trained by another process, while it trains
        self._elsewhere = set()  # history ids of every run from another process shown so far
        self._following_since = time.time()
        self._polling = False
        self.recorder = None
        self.history_problem = ""
        self._history_setting = folder
        if folder is False:
            return
        self.recorder = Recorder(folder, on_problem=lambda text: self._historyProblem.emit(text))
        self.history_problem = self.recorder.problem
        self._historyProblem.connect(lambda text: self.message.emit(f"Not recorded in the run history: {text}"))
        if self.recorder.recording:
            self._follow_timer = QTimer(self, interval=FOLLOW_MS)
            self._follow_timer.timeout.connect(self._follow)
            self._follow_timer.start()

    @property
    def history_folder(self):
        """The history's folder when it can be read (recorded in or not), else None."""
        return self.recorder.folder if self.recorder is not None else None

    def move_history_aside(self):
        """Rename a history that cannot be used (nothing is deleted) and start a new one."""
        folder = self._history_setting or store.default_folder()
        try:
            kept = store.move_aside(folder)
        except OSError as error:
            self.message.emit(f"{folder}: could not be moved aside ({error.strerror or error})")
            return
        self.recorder.close()
        self._open_history(folder)
        self.message.emit(f"The old run history is kept as {kept}; a new one starts now.")

    def stop_following(self):
        """No more looking for runs trained elsewhere (on quit, before the pool is drained)."""
        timer = getattr(self, "_follow_timer", None)
        if timer is not None:
            timer.stop()

    def close_history(self):
        """Make the writes sent so far (on quit)."""
        self.stop_following()
        if self.recorder is not None:
            self.recorder.close()

    # ------------------------------------------------------------ recording

    def _record(self, run, source="studio", parent=None, parent_kind="", data=None):
        """Begin recording ``run`` (just added to the run list)."""
        if self.recorder is None or not self.recorder.recording:
            return
        sweep = f"{run.sweep.name}, {time.strftime('%Y-%m-%d %H:%M')}" if run.sweep is not None else ""
        recording = RunRecording(self.recorder, run.name, run.settings, source, data or self.data,
                                 sweep, parent, parent_kind, status=str(run.status))
        self._recordings[run] = recording
        self._save_shown()

    def _record_points(self, run):
        recording = self._recordings.get(run)
        if recording is not None:
            recording.sync(run)

    def _record_end(self, run):
        recording = self._recordings.get(run)
        if recording is not None:
            recording.end(run, run.status, run.message)

    def _record_loaded(self, run, snapshot):
        """A loaded parameter file: recorded with its parameters and measured results."""
        self._record(run, source="loaded")
        recording = self._recordings.get(run)
        if recording is not None:
            point = snapshot.point
            recording.call("save_model", snapshot.model, snapshot.metadata())
            recording.call("set_results", point.test_accuracy, point.test_loss, snapshot.samples_seen)

    def history_id(self, run):
        """``run``'s number in the history (None before it is written, or when not recorded)."""
        recording = self._recordings.get(run)
        return recording.id if recording is not None else run.history_id

    def _save_shown(self):
        """The run list, as the next start should show it."""
        if self.recorder is None:
            return
        recordings = [self._recordings.get(run) for run in self.runs]
        fixed = [run.history_id for run in self.runs]

        def write(history):
            ids = [r.id if r is not None else i for r, i in zip(recordings, fixed)]
            history.set_shown([i for i in ids if i is not None])
        self.recorder.submit(write, kind="shown")

    def _history_call(self, run, method, *args):
        recording = self._recordings.get(run)
        if recording is not None:
            recording.call(method, *args)
        elif run.history_id is not None and self.recorder is not None:
            self.recorder.call(method, run.history_id, *args)

    # ------------------------------------------------------------ the run list

    def rename(self, run, name):
        run.name = name.strip() or run.name
        self._history_call(run, "rename", run.name)
        self.runChanged.emit(run)

    def remove(self, run):
        """Take ``run`` off the list and into the history's trash; :meth:`undo_remove`
        brings it back until the trash is emptied."""
        if run.active:
            self.message.emit(f"{run.name} is training: stop it before deleting it.")
            return
        self.runs.remove(run)
        self._trashed.append(run)
        history_id = self.history_id(run)
        if history_id is not None and self.recorder is not None:
            self.recorder.call("trash", [history_id])
        self._save_shown()
        self.runRemoved.emit(run)
        self.statusMessage.emit(f"{run.name} moved to the trash (Ctrl+Z: undo)")

    def undo_remove(self):
        """Bring back the run deleted last."""
        if not self._trashed:
            self.statusMessage.emit("Nothing to undo.")
            return
        run = self._trashed.pop()
        history_id = self.history_id(run)
        if history_id is not None and self.recorder is not None:
            self.recorder.call("restore", [history_id])
        self.runs.append(run)
        self._save_shown()
        self.runAdded.emit(run)

    # ------------------------------------------------------------ reading

    def restore_session(self):
        """Show again the runs the run list held when the studio last closed (read in a
        worker: ``runAdded`` for each, in order)."""
        if self.history_folder is None:
            return
        run_in_background(read_runs, self.history_folder, None, on_result=self._add_restored,
                          on_error=self._tell)

    def open_runs(self, history_ids):
        """Add runs of the history to the run list (those not there already)."""
        there = {self.history_id(run) for run in self.runs} | set(self._following)
        wanted = [i for i in history_ids if i not in there]
        if wanted and self.history_folder is not None:
            run_in_background(read_runs, self.history_folder, wanted, on_result=self._add_restored,
                              on_error=self._tell)

    def close_runs(self, history_ids):
        """Take runs off the run list without trashing them (unticked in the History view)."""
        for run in [r for r in self.runs if self.history_id(r) in set(history_ids) and not r.active]:
            self.runs.remove(run)
            self.runRemoved.emit(run)
        self._save_shown()

    def _add_restored(self, restored):
        for record, run in restored:
            run.id = next(self._ids)
            run.color = self._colour(run.id)
            self.runs.append(run)
            self.runAdded.emit(run)
        self._save_shown()

    def refresh_history(self, trashed=False):
        """Read every run of the history for the History view (``historyChanged``: the
        records, the history ids in the run list, and whether they are the trash's)."""
        if self.history_folder is None:
            self.historyChanged.emit(HistoryListing([], set(), trashed))
            return
        run_in_background(read_history, self.history_folder, trashed, on_error=self._tell,
                          on_result=lambda records: self.historyChanged.emit(HistoryListing(
                              records, {self.history_id(run) for run in self.runs}, trashed)))

    def set_notes(self, history_id, notes):
        if self.recorder is not None:
            self.recorder.call("set_notes", history_id, notes)

    def rename_in_history(self, history_id, name):
        run = next((r for r in self.runs if self.history_id(r) == history_id), None)
        if run is not None:
            self.rename(run, name)
        elif self.recorder is not None:
            self.recorder.call("rename", history_id, name)

    def trash_in_history(self, history_ids):
        for run in [r for r in self.runs if self.history_id(r) in set(history_ids)]:
            self.remove(run)
        if self.recorder is not None:
            self.recorder.call("trash", list(history_ids))
        self._after_history_write()

    def restore_in_history(self, history_ids):
        if self.recorder is not None:
            self.recorder.call("restore", list(history_ids))
        self._after_history_write(trashed=True)

    def empty_trash(self):
        if self.recorder is not None:
            self.recorder.call("empty_trash")
        self._trashed.clear()
        self._after_history_write(trashed=True)

    def _after_history_write(self, trashed=False):
        """Refresh the History view once the recorder has made the writes sent so far."""
        if self.recorder is not None:
            run_in_background(self.recorder.flush, on_error=self._tell,
                              on_result=lambda _: self.refresh_history(trashed))

    # ------------------------------------------------------------ following

    def _follow(self):
        """Look for runs trained elsewhere since the studio started, and their new points."""
        if self._polling or self.history_folder is None:
            return
        self._polling = True
        counts = {i: len(run.points) for i, run in self._following.items()}
        mine = os.getpid()
        run_in_background(read_follow_news, self.history_folder, self._following_since, mine,
                          set(self._elsewhere), counts,
                          on_result=self._followed, on_error=lambda error: self._stop_following(error),
                          on_finished=lambda: setattr(self, "_polling", False))

    def _stop_following(self, error):
        self._follow_timer.stop()
        self.message.emit(f"The run history is no longer followed: {describe(error)}")

    def _followed(self, news):
        for record, run in news.new_runs:
            if record.id in self._elsewhere:
                continue
            self._elsewhere.add(record.id)
            run.id = next(self._ids)
            run.color = self._colour(run.id)
            if not run.status.ended:
                self._following[record.id] = run
            self.runs.append(run)
            self.runAdded.emit(run)
        if news.new_runs:
            self._save_shown()
        for history_id, (found, snapshot, status) in news.updates.items():
            run = self._following.get(history_id)
            if run is None:
                continue
            run.points.extend(found)
            if snapshot is not None:
                run.latest = run.evaluated = snapshot
            if found:
                self.pointsAdded.emit(run)
            if status != run.status:
                run.status = status
                self.runChanged.emit(run)
            if status.ended:
                self._following.pop(history_id)
                self.runChanged.emit(run)
