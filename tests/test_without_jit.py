"""The engine without numba's compiler (``NUMBA_DISABLE_JIT=1``, for debugging and coverage)
gives the compiled engine's results, on real MNIST digits.

The kernel tests run that way too, slowly (minutes, so not in the default command):
``NUMBA_DISABLE_JIT=1 python -m pytest tests/test_kernels.py``.
"""

import json
import os
import subprocess
import sys

import h5py
import pytest

from compute.storage import data
from compute.engine.training import Training
from compute.settings import Settings

SETTINGS = Settings(optimizer="adam", batch_size=50, learning_rate=0.003, epochs=1, eval_every=500)

RUN = """
import json, sys
from compute.storage import data
from compute.engine.training import Training
from compute.settings import Settings
pair = data.load_folder(sys.argv[1])
last = Training(pair, Settings(**json.loads(sys.argv[2]))).run()
print(json.dumps(last.as_dict()))
"""


@pytest.fixture(scope="module")
def first_digits(mnist_dir, tmp_path_factory):
    """The first 1,000 training and 300 test digits of MNIST, as course HDF5 files."""
    folder = tmp_path_factory.mktemp("first-digits")
    for name, rows in ((data.TRAIN_HDF5, 1000), (data.TEST_HDF5, 300)):
        with h5py.File(mnist_dir / name) as f:
            X, Y = f["xdata"][:rows], f["ydata"][:rows]
        data.write_course_hdf5(folder / name, X, Y.argmax(axis=1), Y.shape[1])
    return folder


@pytest.mark.slow
def test_a_small_run_without_the_jit_matches_the_compiled_run(first_digits):
    compiled = Training(data.load_folder(first_digits), SETTINGS).run()
    done = subprocess.run([sys.executable, "-c", RUN, str(first_digits), json.dumps(SETTINGS.as_dict())],
                          capture_output=True, text=True, timeout=600,
                          env={**os.environ, "NUMBA_DISABLE_JIT": "1"})
    assert done.returncode == 0, done.stderr
    plain = json.loads(done.stdout)
    assert plain["samples_seen"] == compiled.samples_seen == 1000
    assert plain["updates"] == compiled.updates == 20
    assert plain["test_loss"] == pytest.approx(compiled.test_loss, abs=1e-4)
    assert plain["train_loss"] == pytest.approx(compiled.train_loss, abs=1e-4)
    assert abs(plain["test_accuracy"] - compiled.test_accuracy) <= 1 / 300
