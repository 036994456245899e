"""The worker's thread count beside the GUI: every core on an idle machine, one fewer when
other programs are busy (app.cores.CoresBesideGui)."""

import subprocess
import sys
import threading
import time

import numba
import pytest

from app.cores import CoresBesideGui

CORES = numba.config.NUMBA_NUM_THREADS
pytestmark = pytest.mark.skipif(CORES < 2, reason="needs two cores to leave one free")


def in_thread(body):
    """Run ``body`` in a new thread (numba's thread count is per thread) and return its result."""
    result = {}
    thread = threading.Thread(target=lambda: result.setdefault("value", body()))
    thread.start()
    thread.join()
    return result["value"]


def test_starts_with_one_core_free_until_it_has_measured():
    def body():
        cores = CoresBesideGui()
        return numba.get_num_threads(), cores.others
    assert in_thread(body) == (CORES - 1, None)


@pytest.mark.parametrize("others, expected", [(0.1, CORES), (0.9, CORES - 1)])
def test_decides_from_what_other_programs_used(others, expected):
    def body():
        # Two measurements 1 s apart: the machine's busy CPU seconds grew by ours + others.
        samples = iter([(0.0, 100.0, 10.0), (1.0, 100.0 + 0.7 + others, 10.7)])
        cores = CoresBesideGui(sample=lambda: next(samples))
        cores.update()
        cores.interval = 0.0
        cores.update()
        return numba.get_num_threads(), cores.others
    threads, measured = in_thread(body)
    assert measured == pytest.approx(others)
    assert threads == expected


def test_a_busy_program_beside_it_is_measured():
    hog = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        def body():
            cores = CoresBesideGui()
            cores.interval = 0.0
            cores.update()
            time.sleep(1.0)
            cores.update()
            return numba.get_num_threads(), cores.others
        threads, others = in_thread(body)
    finally:
        hog.kill()
        hog.wait()
    assert others >= 0.7  # the hog alone keeps one core busy
    assert threads == CORES - 1
