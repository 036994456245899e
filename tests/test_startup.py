"""How the process starts: what numba and OpenMP are told, and what the command line imports."""

import os
import subprocess
import sys


def python(code, **env):
    """Run ``code`` in a fresh interpreter; its last line of output (stderr, else stdout)."""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          env={**os.environ, **env})
    assert done.returncode == 0, done.stderr
    return (done.stderr.strip() or done.stdout.strip()).splitlines()[-1]


def test_idle_parallel_threads_sleep_unless_the_user_says_otherwise():
    show = "import os, compute.kernels; print(os.environ['OMP_WAIT_POLICY'])"
    env = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"}
    done = subprocess.run([sys.executable, "-c", show], capture_output=True, text=True, timeout=120, env=env)
    assert done.stdout.strip() == "PASSIVE"
    assert python(show, OMP_WAIT_POLICY="ACTIVE") == "ACTIVE"


LIGHT = """
import sys
from app.cli import main
try:
    status = main({argv!r})
except SystemExit as exit:
    status = exit.code
print(status, "numba" in sys.modules, file=sys.stderr)
"""


def test_help_argument_errors_and_bad_pictures_import_no_numba(tmp_path):
    # Compiling kernels costs seconds: nothing that only answers questions may import numba.
    assert python(LIGHT.format(argv=["--help"])) == "0 False"
    assert python(LIGHT.format(argv=["train", "--help"])) == "0 False"
    assert python(LIGHT.format(argv=["train", "--batch-size", "0"])) == "2 False"
    assert python(LIGHT.format(argv=["train", "--learning-rate", "-1"])) == "2 False"
    assert python(LIGHT.format(argv=["train", "--train", "a.hdf5"])) == "2 False"
    (tmp_path / "not-a-picture.png").write_text("text")
    assert python(LIGHT.format(argv=["predict", str(tmp_path / "not-a-picture.png")])) == "2 False"
