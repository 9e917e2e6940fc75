"""Per-epoch reseeding of the global generators, for exact resumes."""
import random

import numpy as np
import torch
from mmengine.dist import get_rank
from mmengine.hooks import Hook

from amnsfw.registry import HOOKS


def epoch_seed(seed: int, epoch: int, rank: int = 0) -> int:
    """A 32-bit seed for one epoch (and rank), decorrelated from its
    neighbours by numpy's ``SeedSequence``.

    Args:
        seed (int): The run's seed.
        epoch (int): The 0-based epoch.
        rank (int): The process rank; 0 gives every rank the same seed.
            Defaults to 0.

    Returns:
        int: The seed of that epoch, in ``[0, 2**32)``.
    """
    if seed < 0 or epoch < 0 or rank < 0:
        raise ValueError(f'seed, epoch and rank must be >= 0, got seed={seed},'
                         f' epoch={epoch}, rank={rank}')
    return int(
        np.random.SeedSequence([seed, epoch, rank]).generate_state(1)[0])


@HOOKS.register_module()
class EpochSeedHook(Hook):
    """Reseed Python's, numpy's and torch's global generators (CPU and all
    GPUs) at the start of every training epoch with
    :func:`epoch_seed` ``(runner.seed, epoch, rank)``.

    MMEngine seeds them once, when the runner is built, and does not save
    their states in checkpoints: a run resumed at epoch ``e`` would draw
    flips, caption augmentations and dropout masks from a fresh generator
    while the uninterrupted run continues its own. Reseeding per epoch makes
    epoch ``e``'s draws a function of ``(seed, e)`` only, so a resumed run
    repeats the uninterrupted one exactly (with ``num_workers=0`` or
    non-persistent workers, which MMEngine's ``worker_init_fn`` reseeds
    every epoch; persistent workers keep their own generators). The rank
    enters the seed only with ``randomness.diff_rank_seed=True``, as in
    MMEngine's own seeding. It runs before the other ``before_train_epoch``
    hooks (priority ``VERY_HIGH``), so they draw from the reseeded state.
    """

    priority = 'VERY_HIGH'

    def before_train_epoch(self, runner) -> None:
        """Reseed for ``runner.epoch``.

        Args:
            runner (Runner): The runner of the training process.
        """
        randomness = runner.cfg.get('randomness') or {}
        rank = get_rank() if randomness.get('diff_rank_seed', False) else 0
        seed = epoch_seed(runner.seed, runner.epoch, rank)
        random.seed(seed)
        np.random.seed(seed)
        torch.manual_seed(seed)
