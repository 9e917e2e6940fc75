"""Training-loop extensions (MMEngine hooks) and experiment helpers."""
from .experiment import (add_runner_arguments, load_experiment_config,
                         parse_runner_arguments, test_best_checkpoint)

__all__ = [
    'add_runner_arguments', 'load_experiment_config',
    'parse_runner_arguments', 'test_best_checkpoint'
]
