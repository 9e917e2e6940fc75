"""Training-loop extensions (MMEngine hooks) and experiment helpers."""
from .cpu_amp_optim_wrapper import CPUAmpOptimWrapper
from .cpu_distributed import setup_cpu_distributed
from .experiment import (add_runner_arguments, load_experiment_config,
                         parse_runner_arguments, test_best_checkpoint)

__all__ = [
    'CPUAmpOptimWrapper',    'add_runner_arguments', 'load_experiment_config',
    'parse_runner_arguments', 'setup_cpu_distributed',
    'test_best_checkpoint'
]
