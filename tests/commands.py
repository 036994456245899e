"""Running Softmax Lab's command line in tests as a user does: a new process."""

import os
import subprocess
import sys
import time


def softmax_lab(*args, env=None, timeout=600):
    """``softmax-lab ARGS`` in a new interpreter (offscreen, ``env`` added); the
    CompletedProcess, with ``seconds``, the wall time from start to exit."""
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "app", *map(str, args)], capture_output=True,
                          text=True, timeout=timeout,
                          env={**os.environ, "QT_QPA_PLATFORM": "offscreen", **(env or {})})
    done.seconds = time.perf_counter() - started
    return done
