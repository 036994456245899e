"""The run list's records: what the application knows of each run, in one place.

A :class:`Run` is built from the immutable snapshots that a training publishes
(:class:`compute.engine.points.Snapshot`); views read a run's snapshots, never the arrays a
kernel is writing. Qt-free, so the controller can be tested without a window.
"""

import enum
from dataclasses import dataclass, field

from ..storage.classes import names_or_numbers
from ..settings import COURSE_EXPERIMENTS, Settings, preset
from .points import Snapshot

#: Run colours: the Okabe-Ito palette, which people with any common colour-vision
#: deficiency can tell apart (its yellow is left out: it vanishes on white), then grey.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#000000", "#999999")


@dataclass(eq=False)
class SweepGroup:
    """The runs of one sweep: the setting it varies, its values, and its member runs
    (in the order of the values)."""

    name: str
    setting: str
    values: list
    runs: list = field(default_factory=list)

    @property
    def active(self):
        return any(run.active for run in self.runs)


def course_runs(runs):
    """The latest finished run of each of the course's experiments among ``runs``, as
    (name, run) pairs, or None when one is missing (a run counts if its settings are the
    preset's)."""
    found = []
    for name in COURSE_EXPERIMENTS:
        matches = [run for run in runs
                   if run.status == RunStatus.FINISHED and run.settings == preset(name) and run.points]
        if not matches:
            return None
        found.append((name, matches[-1]))
    return found


def sweeps_best(group):
    """The member of ``group`` with the lowest final test loss (not diverged), or None."""
    done = [run for run in group.runs if run.last is not None and run.status != RunStatus.DIVERGED]
    return min(done, key=lambda run: run.last.test_loss, default=None)


class RunStatus(str, enum.Enum):
    """Where a run is in its life (the value is what the run list shows)."""

    QUEUED = "queued"
    RUNNING = "running"
    PAUSED = "paused"
    FINISHED = "finished"
    STOPPED = "stopped"
    DIVERGED = "diverged"
    FAILED = "failed"
    LOADED = "loaded"  # a parameter file, evaluated once
    INTERRUPTED = "interrupted"  # its process ended before it did (found in the history)
    IMPORTED = "imported"  # points brought from a CSV, without parameters

    @property
    def active(self):
        """Training, or about to, or paused: not yet ended."""
        return self in (RunStatus.QUEUED, RunStatus.RUNNING, RunStatus.PAUSED)

    @property
    def ended(self):
        return self in (RunStatus.FINISHED, RunStatus.STOPPED, RunStatus.DIVERGED, RunStatus.FAILED,
                        RunStatus.INTERRUPTED)

    def __str__(self):
        return self.value


@dataclass(eq=False)
class Run:
    """One entry of the run list: a training run, or a parameter file that was loaded.

    Attributes
    ----------
    id : int
    name, color : str
    settings : Settings
    status : RunStatus
    points : list of Point
        Every point published so far, in order.
    latest : Snapshot or None
        The newest published state (what live views show).
    evaluated : Snapshot or None
        The newest state that has a point: what a save or a report writes, so that the
        file's parameters and recorded metrics belong together.
    message : str
        Why the run ended, when it did not finish.
    source : str
        The file of a loaded run.
    visible : bool
        Its curves are drawn.
    sweep : SweepGroup or None
        The sweep the run is a member of.
    history_id : int or None
        Its number in the run history, once recorded.
    """

    id: int
    name: str
    color: str
    settings: Settings
    status: RunStatus = RunStatus.QUEUED
    points: list = field(default_factory=list)
    latest: Snapshot = None
    evaluated: Snapshot = None
    message: str = ""
    source: str = ""
    visible: bool = True
    sweep: SweepGroup = None
    history_id: int = None

    def publish(self, snapshot):
        """Take a newer snapshot; returns True when it brought a new point."""
        self.latest = snapshot
        point = snapshot.point
        if point is None or (self.points and self.points[-1] is point):
            return False
        self.evaluated = snapshot
        self.points.append(point)
        return True

    @property
    def active(self):
        return self.status.active

    @property
    def last(self):
        """The newest point, or None."""
        return self.points[-1] if self.points else None

    @property
    def model(self):
        """The newest parameters (read-only), or None before the first snapshot."""
        return self.latest.model if self.latest is not None else None

    @property
    def class_names(self):
        """What the run's data calls its classes (its numbers when nothing is known)."""
        model = self.model
        names = self.latest.class_names if self.latest is not None else ()
        return names_or_numbers(names, model.n_classes) if model is not None else names

    @property
    def samples_seen(self):
        return self.latest.samples_seen if self.latest is not None else 0

    @property
    def total_samples(self):
        return self.latest.total_samples if self.latest is not None else 0

    @property
    def train_seconds(self):
        return self.latest.train_seconds if self.latest is not None else 0.0

    @property
    def samples_per_second(self):
        return self.samples_seen / self.train_seconds if self.train_seconds > 0 else 0.0
