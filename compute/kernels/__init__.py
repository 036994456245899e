"""Numba kernels for softmax regression on sparse rows, one module a job:

* :mod:`.config` — numba's options and environment, decided once (:mod:`.disk_cache`
  guards numba's on-disk cache);
* :mod:`.rules` — the optimizers' names and settings (no numba);
* :mod:`.layout` — how data rows are stored (compact CSR) and dense matrices turned into them;
* :mod:`.llvm` — the stack buffer and prefetch hint, with plain Python fallbacks;
* :mod:`.cores` — serial work on one row: logits, loss, softmax gradient, outer product;
* :mod:`.optimizers` — the update rules, named by :class:`Optimizer`;
* :mod:`.drivers` — loops over rows and batches, parallel over fixed blocks;
* :mod:`.transforms` — deskewing and gradient-orientation histograms of images;
* :mod:`.public` — the checked functions everyone else calls.

Each computation has three layers (after stumpy): a serial core, a driver, and a public
function that checks its arguments and raises ``TypeError``/``ValueError`` saying how to
fix them. Parameters are float32 while training (:data:`TRAINING_DTYPE`) and float64 for
files and evaluations; losses are always summed in float64.

With ``NUMBA_DISABLE_JIT=1`` every kernel runs as plain Python with the same results
(slowly): for debugging and for coverage.
"""

import importlib

#: Where each public name lives. The package imports nothing until a name is asked for,
#: so that :mod:`.rules` (the optimizers' vocabulary) is read without numba.
_EXPORTS = {
    "BLOCK_ROWS": "drivers", "LANES": "llvm", "LEVELS_8BIT": "layout", "OPTIMIZERS": "rules",
    "Optimizer": "rules", "PARAMETER_DTYPES": "public", "TRAINING_DTYPE": "public",
    "Scan": "layout", "SparseRows": "layout", "SweepState": "public", "TrainingState": "public",
    "concatenate_rows": "layout", "evaluate_sums": "public", "gradient_sum": "public",
    "scan_rows": "layout", "optimizer_step": "public", "padded_classes": "layout",
    "probabilities": "public", "sparse_rows": "layout", "thread_count": "config",
    "cells_across": "transforms", "deskew": "transforms", "gradient_histograms": "transforms",
    "train_batches": "public", "train_sweep": "public", "value_range": "layout", "warm_up": "public",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value
