"""How the process starts: what numba and OpenMP are told, and what the command line imports."""

import os
import subprocess
import sys


def python(code, **env):
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          env={**os.environ, **env})
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_idle_parallel_threads_sleep_unless_the_user_says_otherwise():
    show = "import os, compute.kernels; print(os.environ['OMP_WAIT_POLICY'])"
    env = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"}
    done = subprocess.run([sys.executable, "-c", show], capture_output=True, text=True, timeout=120, env=env)
    assert done.stdout.strip() == "PASSIVE"
    assert python(show, OMP_WAIT_POLICY="ACTIVE") == "ACTIVE"
