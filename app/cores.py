"""The studio's policy for the training worker's threads: leave a core to the window
while other programs keep the machine busy (the engine only offers the knob,
:mod:`compute.engine.threads`)."""

import time

from compute.engine import threads


def leave_one_core():
    """In the calling thread only, let parallel kernels use one thread fewer than cores
    (what :class:`CoresBesideGui` starts with, before it has measured anything)."""
    threads.set_thread_count(threads.core_count() - 1)


class CoresBesideGui:
    """How many threads a worker's parallel kernels use, with a GUI thread beside it.

    Leaving one core to the GUI pays only while other programs keep the cores busy.
    Measured (``scripts/measure_gui.py --preset best``, 120 evaluations, 2 cores):

    ============================  ============================  ==========================
    machine                       every core                    one core left free
    ============================  ============================  ==========================
    idle                          GUI gaps 29-42 ms, run 2.2-2.9 s  gaps 21-27 ms, 3.2-3.5 s
    two CPU-bound programs        gaps 48-118 ms (5 of 6 > 100)     gaps 60-89 ms
    ============================  ============================  ==========================

    So :meth:`update`, called by the worker between chunks, measures what the rest of
    the machine used over the last :attr:`interval` seconds (all CPU time, less this
    process's) and uses every core while that is under half a core, one fewer
    otherwise. It starts with one fewer, until there is a first measurement. numba's
    thread count is per calling thread: this sets the worker's only.
    """

    interval = 0.5  # seconds between measurements
    others_busy = 0.5  # cores' worth of other programs' CPU use that counts as busy

    def __init__(self, sample=None):
        self.sample = sample or cpu_sample()
        self._cores = threads.core_count()
        self._last = None
        self.others = None  # cores' worth of other programs' CPU use, when measured
        leave_one_core()

    def update(self):
        if self._cores < 2:
            return
        now = time.monotonic()
        if self._last is not None and now - self._last[0] < self.interval:
            return
        sample = self.sample()
        if self._last is not None:
            elapsed = sample[0] - self._last[0]
            self.others = max(0.0, (sample[1] - self._last[1]) - (sample[2] - self._last[2])) / elapsed
            threads.set_thread_count(self._cores - 1 if self.others >= self.others_busy else self._cores)
        self._last = sample


def cpu_sample():
    """A function that measures (now, the machine's busy CPU seconds, this process's CPU
    seconds), with psutil: what :class:`CoresBesideGui` compares between two calls."""
    import psutil

    process = psutil.Process()

    def sample():
        machine = psutil.cpu_times()
        busy = sum(machine) - machine.idle - getattr(machine, "iowait", 0.0)
        ours = process.cpu_times()
        return time.monotonic(), busy, ours.user + ours.system
    return sample
