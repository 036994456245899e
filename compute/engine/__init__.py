"""The training engine: settings, the training loop and its points, sweeps, single steps,
evaluation, threads and a run's record."""
