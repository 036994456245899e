"""Sweeps: many settings trained at once, in one pass over the data where they can share it.

Settings that visit the same rows in the same order (batch size, seed, shuffling, epochs
and points: :func:`pass_key`) form a group. A group trains in one pass: each chunk of
rows is read once for all of its models (:func:`compute.kernels.train_sweep`), every
model with its own learning rate, schedule, optimizer state and L2, and each ends bit
for bit as it would trained alone (:class:`compute.engine.training.Training`, same seed).
Groups run in turn; a full-batch setting is a group of its own.

The values to try are written as a comma list (``0.01,0.1,1``) or, for numbers, a log
range (``1e-3:1:8``: 8 values from 1e-3 to 1, evenly spaced on a log scale); the sweep
is the product of every setting's values (:func:`expand`), at most :data:`MAX_MODELS`.
"""

import itertools
import math
import time
from dataclasses import dataclass, fields, replace

import numpy as np

from .. import kernels
from ..settings import FEATURES, INITS, OPTIMIZERS, SCHEDULES, Settings, SettingsError
from .inputs import Inputs
from .training import Training, TrainingDiverged, chunked_epochs

#: The most models one sweep may train (each holds its parameters and optimizer state).
MAX_MODELS = 256

_CHOICES = {"optimizer": OPTIMIZERS, "schedule": SCHEDULES, "init": INITS, "features": FEATURES}
_WHOLE = {"batch_size", "epochs", "eval_every", "seed", "cell", "stride", "orientations"}
#: What a member's name calls each setting ("lr 0.01, l2 1e-4").
SHORT = {"learning_rate": "lr", "batch_size": "batch", "optimizer": "", "l2": "l2", "seed": "seed",
         "epochs": "epochs", "momentum": "momentum", "schedule": "", "beta1": "β1", "beta2": "β2",
         "epsilon": "ε", "rho": "ρ"}
SWEEPABLE = tuple(f.name for f in fields(Settings) if f.name not in ("shuffle", "deskew"))


def parse_values(name, text):
    """The values ``text`` gives the setting ``name``: a comma list, or for a number a log
    range ``low:high:count``. Raises :class:`SettingsError` with one line on bad input."""
    if name not in SWEEPABLE:
        raise SettingsError(f"{name} cannot be swept; sweep one of {', '.join(SWEEPABLE)}")
    text = str(text).strip()
    label = name.replace("_", "-")
    if name in _CHOICES:
        values = [part.strip() for part in text.split(",") if part.strip()]
        bad = [v for v in values if v not in _CHOICES[name]]
        if bad or not values:
            raise SettingsError(f"--{label}: {bad[0] if bad else text!r} is not one of "
                                f"{', '.join(_CHOICES[name])}")
        return list(dict.fromkeys(values))
    ranged = ":" in text
    if ranged:
        values = _log_range(label, text)
    else:
        values = [_number(label, part) for part in text.split(",") if part.strip()]
        if not values:
            raise SettingsError(f"--{label}: give values, e.g. 0.01,0.1,1 or 1e-3:1:8")
    if name in _WHOLE:
        if not ranged and not all(v == "full" or v.is_integer() for v in values):
            raise SettingsError(f"--{label}: values must be whole numbers; got {text!r}")
        values = [None if v == "full" else int(round(v)) for v in values]  # a range, rounded
    return list(dict.fromkeys(values))


def _number(label, text):
    text = text.strip()
    if text == "full" and label == "batch-size":
        return "full"
    try:
        value = float(text)
    except ValueError:
        raise SettingsError(f"--{label}: {text!r} is not a number") from None
    if not math.isfinite(value):
        raise SettingsError(f"--{label}: {text!r} is not a finite number")
    return value


def _log_range(label, text):
    parts = text.split(":")
    if len(parts) != 3:
        raise SettingsError(f"--{label}: a range is low:high:count, e.g. 1e-3:1:8; got {text!r}")
    low, high = _number(label, parts[0]), _number(label, parts[1])
    if "full" in (low, high):
        raise SettingsError(f"--{label}: 'full' is a batch size of its own, not the end of a "
                            f"range; list it, e.g. 50,100,full; got {text!r}")
    try:
        count = int(parts[2])
    except ValueError:
        raise SettingsError(f"--{label}: the count in {text!r} must be a whole number") from None
    if not (low > 0 and high > 0):
        raise SettingsError(f"--{label}: a log range needs low and high > 0; got {text!r}")
    if not 1 <= count <= MAX_MODELS:
        raise SettingsError(f"--{label}: the count in {text!r} must be 1 to {MAX_MODELS}")
    if count == 1:
        return [low]
    # (in plain floats: numpy's geomspace took 0.5-2 ms of the click that starts a sweep)
    step = math.log(high / low) / (count - 1)
    return [low * math.exp(step * i) for i in range(count - 1)] + [high]


def expand(base, swept):
    """Every combination of ``swept`` ({setting: [values]}) applied to ``base``, checked.

    Returns
    -------
    list of (Settings, dict)
        Each member's settings and the swept values it has (for its name and its row).
    """
    names = list(swept)
    count = math.prod(len(swept[name]) for name in names)
    if count > MAX_MODELS:
        sizes = " x ".join(str(len(swept[name])) for name in names)
        raise SettingsError(f"the sweep has {sizes} = {count:,} models; at most {MAX_MODELS}")
    members = []
    for combination in itertools.product(*(swept[name] for name in names)):
        values = dict(zip(names, combination))
        try:
            members.append((replace(base, **values).validated(), values))
        except SettingsError as error:
            raise SettingsError(f"{member_name(values)}: {error}") from None
    return members


def shown(value, digits=3):
    """A setting's value as people read it: "full" for a full batch, floats to ``digits``
    significant figures, anything else as it is."""
    if value is None:
        return "full"
    return f"{value:.{digits}g}" if isinstance(value, float) else str(value)


def member_name(values):
    """A member's name from its swept values: "lr 0.01", "adam, lr 0.001", "b full"."""
    parts = []
    for name, value in values.items():
        short = SHORT.get(name, name.replace("_", " "))
        parts.append(f"{short} {shown(value)}".strip())
    return ", ".join(parts) or "sweep"


def pass_key(settings):
    """What settings must share to train in one pass: the rows, their order, the points.
    Full batch never shares (each is a group of its own)."""
    if settings.batch_size is None:
        return None
    return (settings.batch_size, settings.seed, settings.shuffle, settings.epochs,
            settings.eval_every, Inputs.of(settings))


def groups(settings_list):
    """Indices of ``settings_list`` grouped by :func:`pass_key`, in first-seen order."""
    found = {}
    alone = []
    for i, settings in enumerate(settings_list):
        key = pass_key(settings)
        if key is None:
            alone.append([i])
        else:
            found.setdefault(key, []).append(i)
    ordered = sorted([*found.values(), *alone], key=lambda group: group[0])
    return ordered


@dataclass
class Member:
    """One model of a sweep: its training, and why it stopped early if it did."""

    training: Training
    error: str = ""

    @property
    def points(self):
        return self.training.points

    @property
    def diverged(self):
        return bool(self.error)


class Sweep:
    """Models that share a pass (:func:`pass_key`), trained together.

    Parameters
    ----------
    data : compute.storage.data.DataPair
    settings_list : list of Settings
        All with the same :func:`pass_key` (not full batch, unless there is one).
    precision : numpy dtype, optional
        As for :class:`Training`.
    """

    def __init__(self, data, settings_list, precision=None, indices=None):
        keys = {pass_key(s) for s in settings_list}
        if len(keys) != 1 or (None in keys and len(settings_list) > 1):
            raise SettingsError("models trained in one pass need the same batch size, seed, inputs, "
                                "shuffling, epochs and points; use run_groups for others")
        self.data = data
        #: Where the members stand in the whole sweep's list of settings (see :func:`passes`).
        self.indices = list(range(len(settings_list))) if indices is None else list(indices)
        self.members = [Member(Training(data, settings, precision=precision))
                        for settings in settings_list]
        lead = self.members[0].training
        self.full_batch = lead.full_batch
        self.batch_size = lead.batch_size
        self.total_samples = lead.total_samples
        self.samples_seen = 0
        #: Wall-clock seconds of the shared training (not of evaluations).
        self.train_seconds = 0.0
        self._rng = np.random.default_rng(lead.settings.seed)  # the same order as each alone
        self._active = list(self.members)
        self._stack()

    def _stack(self):
        """Put the active models' states into one stacked state, each training a view of it."""
        if self.full_batch or not self._active:
            return
        self._state = kernels.SweepState.stack([m.training.state for m in self._active])
        for i, member in enumerate(self._active):
            member.training.share_state(self._state.member(i))

    @property
    def finished(self):
        return self.samples_seen >= self.total_samples or not self._active

    def run(self, on_point=None):
        """Train every member to the end; ``on_point(member, point)`` sees every point."""
        for news in self.steps():
            for member, point in news or ():
                if on_point is not None:
                    on_point(member, point)
        return self.members

    def steps(self):
        """Generator of the sweep: yields a list of (member, point) when points are due
        (every active member has one), else None. A member that diverges stops with its
        ``error`` set; the others go on."""
        lead = self.members[0].training
        lead.prepare()
        for member in self.members:
            member.training.prepare(lead.data)
        self.data = lead.data
        # Compiling is not training: the sweep's kernels too, before its clock starts.
        kernels.warm_up(self.data.train.rows, lead.n_classes, self.full_batch, sweep=not self.full_batch)
        if self.full_batch:  # a group of one: the member's own loop
            yield from self._alone(self.members[0])
            return
        yield (yield from self._points())
        yield from chunked_epochs(self, lead, self._epoch_order, self._train_chunk, self._points)

    def _epoch_order(self, n):
        """The order of an epoch: the one each member would draw alone (same seed)."""
        if self.members[0].training.settings.shuffle:
            return self._rng.permutation(n).astype(np.int64)
        return np.arange(n, dtype=np.int64)

    def _alone(self, member):
        try:
            for point in member.training.steps():
                yield None if point is None else [(member, point)]
        except TrainingDiverged as error:
            member.error = str(error)
            self._active = []
        self.train_seconds = member.training.train_seconds
        self.samples_seen = member.training.samples_seen

    def _train_chunk(self, order, position, point_at):
        """One chunk of every active member in one pass of the shared kernel (a generator
        that yields nothing, as :func:`compute.engine.training.chunked_epochs` takes it)."""
        lead = self._active[0].training
        stop = lead.chunk_end(position, point_at)
        n_updates = -(-(stop - position) // self.batch_size)
        rates = np.stack([m.training.rates(self.samples_seen, n_updates) for m in self._active])
        started = time.perf_counter()
        kernels.train_sweep(self._state, [m.training.optimizer for m in self._active],
                            self.data.train.rows, self.data.train.labels, lead.n_classes,
                            order[position:stop], self.batch_size, rates)
        elapsed = time.perf_counter() - started
        self.train_seconds += elapsed
        self.samples_seen += stop - position
        ended = []
        for i, member in enumerate(self._active):  # each with the budget of a run alone
            try:
                member.training.chunk_trained(stop - position, rates[i], elapsed,
                                              updates=int(self._state.updates[i]))
            except TrainingDiverged as error:
                member.error = str(error)
                ended.append(member)
        self._drop(ended)
        return stop
        yield  # a generator, for chunked_epochs

    def _points(self):
        news, ended = [], []
        for member in self._active:
            try:
                point = yield from member.training.evaluate_point()
            except TrainingDiverged as error:
                member.error = str(error)
                ended.append(member)
                continue
            news.append((member, point))
        self._drop(ended)
        return news

    def _drop(self, ended):
        if ended:
            self._active = [m for m in self._active if m not in ended]
            self._stack()


def passes(data, settings_list, precision=None):
    """The passes of a whole sweep in turn: a :class:`Sweep` for each group of
    :func:`groups` (its ``indices`` say which settings it trains), made when the one
    before is done. The command line and the studio both train sweeps from it."""
    for indices in groups(settings_list):
        yield Sweep(data, [settings_list[i] for i in indices], precision=precision, indices=indices)


def run_groups(data, settings_list, precision=None, on_point=None, on_group=None):
    """Train every setting of ``settings_list``: the groups that share a pass in turn.

    Returns
    -------
    (list of Member, float)
        The members in the order of ``settings_list``, and the training seconds of all
        groups together (wall clock, evaluations excluded).
    """
    members = [None] * len(settings_list)
    seconds = 0.0
    for sweep in passes(data, settings_list, precision):
        if on_group is not None:
            on_group(sweep)
        sweep.run(on_point)
        seconds += sweep.train_seconds
        for i, member in zip(sweep.indices, sweep.members):
            members[i] = member
    return members, seconds
