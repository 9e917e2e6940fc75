"""Identity-balanced sampling: batches of P identities x K pairs."""
import math
from typing import Iterator, List, Optional

import numpy as np
from mmengine.dist import get_dist_info, sync_random_seed
from torch.utils.data import Sampler

from amnsfw.registry import DATA_SAMPLERS


@DATA_SAMPLERS.register_module()
class IdentityBalancedSampler(Sampler):
    """Yield groups of ``num_instances`` items of one identity, groups of
    different identities shuffled, so a batch of ``P * num_instances`` items
    holds P identities with K items each (when ``batch_size`` is a multiple
    of ``num_instances``).

    Every epoch each identity contributes ``ceil(n / K)`` groups drawn from
    its ``n`` items without replacement (the last group topped up with
    distinct repeats of the identity's items where it has enough), so every
    item is seen at least once per epoch.
    Under DDP every rank draws the same groups for an epoch (the seed is
    synchronised) and rank ``r`` of ``W`` takes groups ``r, r + W, r + 2W,
    ...``; the surplus groups that would leave ranks unequal are dropped for
    that epoch. So with a per-rank batch of ``P * num_instances`` items the
    ranks' b-th batches together hold exactly the groups of the b-th batch
    of ``W * P * num_instances`` items that one process draws with the same
    seed, whatever ``W`` (in rank order rather than drawing order, which the
    batch-wide losses do not depend on): gathered across ranks
    (``TextImageRetriever(loss_batch='global')``), the global batch is the
    single-process one.

    Args:
        dataset: A data set whose ``get_data_info(i)['pid']`` is the person
            id of item ``i``.
        num_instances (int): K, items per identity in a group. Defaults
            to 4.
        seed (int, optional): Base seed, shared by all ranks. Defaults to a
            synchronised random seed.
    """

    def __init__(self, dataset, num_instances: int = 4,
                 seed: Optional[int] = None) -> None:
        if num_instances < 1:
            raise ValueError(
                f'num_instances must be >= 1, got {num_instances}')
        self.num_instances = num_instances
        self.seed = sync_random_seed() if seed is None else seed
        self.rank, self.world_size = get_dist_info()
        self.epoch = 0
        pids = np.array([dataset.get_data_info(i)['pid']
                         for i in range(len(dataset))])
        self.items_by_pid = [np.flatnonzero(pids == pid)
                             for pid in np.unique(pids)]
        groups = sum(math.ceil(len(items) / num_instances)
                     for items in self.items_by_pid)
        self.groups_per_rank = groups // self.world_size

    def _groups(self) -> List[np.ndarray]:
        rng = np.random.default_rng(self.seed + self.epoch)
        k = self.num_instances
        groups = []
        for items in self.items_by_pid:
            items = rng.permutation(items)
            short = -len(items) % k
            if short:
                top_up = rng.choice(items, short, replace=short > len(items))
                items = np.concatenate([items, top_up])
            groups.extend(items.reshape(-1, k))
        order = rng.permutation(len(groups))
        return [groups[i] for i in order]

    def __iter__(self) -> Iterator[int]:
        groups = self._groups()[self.rank::self.world_size]
        groups = groups[:self.groups_per_rank]
        return iter(int(i) for group in groups for i in group)

    def __len__(self) -> int:
        return self.groups_per_rank * self.num_instances

    def set_epoch(self, epoch: int) -> None:
        """Reshuffle for ``epoch`` (MMEngine's sampler seed hook calls it)."""
        self.epoch = epoch
