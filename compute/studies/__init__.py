"""What is learned from runs: analysis of a model, the course assignment's report, and the
benchmark."""
