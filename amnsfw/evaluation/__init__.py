"""Retrieval metrics: pure-torch functions and the registered metric."""
from amnsfw.evaluation import functional, metrics  # noqa: F401
