"""Analyses of trained models and their runs: which training pairs look
mislabelled (:mod:`.noisy_pairs`), what the training logs say
(:mod:`.scalars_log`, :mod:`.log_summary`)."""
from .noisy_pairs import NoisyPairs, describe_noisy_pairs, find_noisy_pairs
from .pair_signals import SIGNALS

__all__ = [
    'NoisyPairs', 'SIGNALS', 'describe_noisy_pairs', 'find_noisy_pairs'
]
