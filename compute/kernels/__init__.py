"""Numba kernels for softmax regression on sparse rows, one module a job:

* :mod:`.layout` — how data rows are stored (compact CSR) and dense matrices turned into them;
* :mod:`.llvm` — the stack buffer and prefetch hint, with plain Python fallbacks;
* :mod:`.cores` — serial work on one row: logits, loss, softmax gradient, outer product;
* :mod:`.optimizers` — the update rules, named by :class:`Optimizer`;
* :mod:`.drivers` — loops over rows and batches, parallel over fixed blocks;
* :mod:`.public` — the checked functions everyone else calls.

Each computation has three layers (after stumpy): a serial core, a driver, and a public
function that checks its arguments and raises ``TypeError``/``ValueError`` saying how to
fix them. Parameters are float32 while training (:data:`TRAINING_DTYPE`) and float64 for
files and evaluations; losses are always summed in float64.

With ``NUMBA_DISABLE_JIT=1`` every kernel runs as plain Python with the same results
(slowly): for debugging and for coverage.
"""

from .. import _jit  # noqa: F401  (sets numba's environment before numba is first imported)
from .drivers import BLOCK_ROWS
from .layout import (LEVELS_8BIT, Scan, SparseRows, concatenate_rows, padded_classes, scan_rows,
                     sparse_rows, value_range)
from .llvm import LANES
from .optimizers import OPTIMIZERS, Optimizer
from .._jit import thread_count
from .public import (PARAMETER_DTYPES, TRAINING_DTYPE, SweepState, TrainingState, evaluate_sums,
                     gradient_sum, optimizer_step, probabilities, train_batches, train_sweep,
                     warm_up)

__all__ = [
    "BLOCK_ROWS", "LANES", "LEVELS_8BIT", "OPTIMIZERS", "PARAMETER_DTYPES", "TRAINING_DTYPE",
    "Optimizer", "Scan", "SparseRows", "SweepState", "TrainingState", "concatenate_rows", "evaluate_sums",
    "gradient_sum", "scan_rows",
    "optimizer_step", "padded_classes", "probabilities", "sparse_rows", "thread_count",
    "train_batches", "train_sweep", "value_range", "warm_up",
]
