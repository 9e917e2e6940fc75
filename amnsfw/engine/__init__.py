"""Training-loop extensions (MMEngine hooks) and experiment helpers.

Importing this package makes MMEngine's local file writes atomic
(:func:`~amnsfw.engine.atomic_local_backend.install_atomic_local_backend`).
"""
from .atomic_checkpoint_hook import AtomicCheckpointHook
from .atomic_local_backend import (AtomicLocalBackend, atomic_write,
                                   install_atomic_local_backend)
from .checkpoint_match_hook import CheckpointMatchHook
from .cpu_amp_optim_wrapper import CPUAmpOptimWrapper
from .cpu_distributed import setup_cpu_distributed
from .divergence_hook import DivergenceHook, TrainingDivergedError
from .epoch_seed_hook import EpochSeedHook, epoch_seed
from .experiment import (add_runner_arguments, load_experiment_config,
                         parse_runner_arguments, test_best_checkpoint)
from .memorisation_hook import MemorisationHook, memorisation_scalars
from .run_lock import RunLock, RunLockedError
from .run_lock_hook import RunLockHook

install_atomic_local_backend()

__all__ = [
    'AtomicCheckpointHook', 'AtomicLocalBackend', 'CPUAmpOptimWrapper',
    'CheckpointMatchHook', 'DivergenceHook', 'EpochSeedHook',
    'MemorisationHook', 'RunLock', 'RunLockHook', 'RunLockedError',
    'TrainingDivergedError', 'add_runner_arguments', 'atomic_write',
    'epoch_seed', 'install_atomic_local_backend', 'load_experiment_config',
    'memorisation_scalars', 'parse_runner_arguments', 'setup_cpu_distributed',
    'test_best_checkpoint'
]
