"""numba's kernel cache on disk, damaged the ways a disk, a full partition or a careless
user damages it: the command still trains, with no traceback and no abort, and the
damage is repaired (the next start finds whole entries)."""

import json
import os
import shutil
import subprocess
import sys

import pytest

#: One worker fills the cache once and damages copies of it.
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("kernel-cache")]

TRAIN = ["train", "--preset", "best", "--quiet", "--json"]


def train(mnist_dir, cache, timeout=600):
    env = {**os.environ, "NUMBA_CACHE_DIR": str(cache)}
    return subprocess.run([sys.executable, "-m", "app", *TRAIN, "--data", str(mnist_dir)],
                          capture_output=True, text=True, timeout=timeout, env=env)


@pytest.fixture(scope="module")
def filled(mnist_dir, tmp_path_factory):
    cache = tmp_path_factory.mktemp("kernels") / "cache"
    done = train(mnist_dir, cache)
    assert done.returncode == 0, done.stderr
    return cache


def files(cache, suffix):
    return sorted(p for p in cache.rglob(f"*{suffix}") if p.is_file())


def truncate(paths, size):
    for path in paths:
        with open(path, "r+b") as f:
            f.truncate(size)


def garble(paths, offset):
    for path in paths:
        with open(path, "r+b") as f:
            f.seek(offset)
            f.write(os.urandom(64))


#: Each damage is done to three kernels' entries (every entry in the cache is one the
#: command loads, since the command filled it): one kernel's damage is handled as
#: every kernel's is, and recompiling three costs a fraction of recompiling them all.
DAMAGE = {
    "index truncated": lambda c: truncate(files(c, ".nbi")[:3], 10),
    "index garbled": lambda c: garble(files(c, ".nbi")[:3], 40),
    "data truncated": lambda c: truncate(files(c, ".nbc")[:3], 20),
    "object code garbled": lambda c: garble(files(c, ".nbc")[:3], 50),  # LLVM aborted on this
    "a folder where an index was": lambda c: [(p.unlink(), p.mkdir()) for p in files(c, ".nbi")[:3]],
}


@pytest.mark.parametrize("how", list(DAMAGE))
def test_a_damaged_kernel_cache_is_recompiled_not_trusted(filled, mnist_dir, tmp_path, how):
    cache = tmp_path / "cache"
    shutil.copytree(filled, cache)
    DAMAGE[how](cache)
    for attempt in range(2):  # the first repairs, the second finds it whole
        done = train(mnist_dir, cache)
        assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
        assert '"test_accuracy": 0.926' in done.stdout


def test_a_full_or_read_only_kernel_cache_only_means_compiling(mnist_dir, tmpfs):
    for mounted in (tmpfs(full=True), tmpfs(read_only=True)):
        done = train(mnist_dir, mounted / "cache")
        assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr


PREPARE = """
import json, sys
from numba.core.registry import CPUDispatcher
from compute.engine import threads
from compute.storage import data
import compute.kernels.cores, compute.kernels.drivers, compute.kernels.optimizers, compute.kernels.public
pair = data.load_folder(sys.argv[1])
threads.prepare(pair.train.rows, pair.n_classes)
kernels = {f"{module.__name__}.{name}": item for module in (compute.kernels.cores, compute.kernels.drivers,
           compute.kernels.optimizers, compute.kernels.public)
           for name, item in vars(module).items() if isinstance(item, CPUDispatcher)}
print(json.dumps({name: [sum(k.stats.cache_hits.values()), sum(k.stats.cache_misses.values())]
                  for name, k in kernels.items()}))
"""


def test_the_studios_first_start_compiles_in_another_process(mnist_dir, tmp_path):
    """numba's compiler holds the GIL: compiling in the studio's process paused its window
    100-190 ms at a time for 10 s. The studio's preparation only loads kernels; a child
    process compiles what the cache lacks (on a second start nothing is compiled)."""
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path / "cache")}
    for start in ("first", "second"):
        done = subprocess.run([sys.executable, "-c", PREPARE, str(mnist_dir)], capture_output=True,
                              text=True, timeout=900, env=env)
        assert done.returncode == 0, done.stderr
        counts = json.loads(done.stdout)
        loaded = {name for name, (hits, misses) in counts.items() if hits}
        compiled = {name for name, (hits, misses) in counts.items() if misses}
        assert compiled == set(), f"{start} start compiled in the studio's process: {compiled}"
        assert {"compute.kernels.drivers.train_batches", "compute.kernels.drivers.train_sweep",
                "compute.kernels.drivers.gradient_blocks"} <= loaded, (start, loaded)


def test_the_group_keeps_these_tests_in_one_worker(request):
    """pytest-xdist's --dist=loadgroup names a test's group in its node id; when a pytest
    release stops taking that (9.2 did), the groups silently split and shared fixtures
    are built once per worker."""
    if not getattr(request.config.option, "loadgroup", False):
        pytest.skip("not run by pytest-xdist with --dist=loadgroup")
    assert request.node.nodeid.endswith("@kernel-cache"), request.node.nodeid
