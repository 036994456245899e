"""Softmax Lab's engine: kernels, optimizers, training loop, data and parameter files.

Qt-free by contract (see ``[tool.importlinter]`` in pyproject.toml): usable from
scripts, notebooks, the command line and the GUI alike.
"""
