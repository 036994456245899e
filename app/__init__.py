"""Softmax Lab's application layer: command line, settings, run controller, GUI start-up."""
