"""Softmax Lab's application layer: command line, settings, run controller, GUI start-up."""

#: The one source of the version: pyproject.toml reads it into the package metadata.
__version__ = "0.1.0"
