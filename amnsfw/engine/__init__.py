"""Training-loop extensions: MMEngine hooks."""
