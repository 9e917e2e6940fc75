"""IdentityBalancedSampler: P identities x K items, every item once per epoch,
split evenly and consistently across DDP ranks."""
from collections import Counter

import pytest

from amnsfw.datasets.samplers import IdentityBalancedSampler


class FakeDataset:
    """Person ids by item: id 0 has 8 items, id 1 has 5, id 2 has 3."""

    def __init__(self):
        self.pids = [0] * 8 + [1] * 5 + [2] * 3

    def __len__(self):
        return len(self.pids)

    def get_data_info(self, index):
        return dict(pid=self.pids[index])


def groups_of(sampler, k):
    order = list(sampler)
    return [order[i:i + k] for i in range(0, len(order), k)]


def test_groups_hold_one_identity_and_cover_every_item():
    dataset = FakeDataset()
    sampler = IdentityBalancedSampler(dataset, num_instances=4, seed=0)
    groups = groups_of(sampler, 4)
    # ceil(8/4) + ceil(5/4) + ceil(3/4) = 2 + 2 + 1 groups.
    assert len(groups) == 5 and len(sampler) == 20
    for group in groups:
        assert len({dataset.pids[i] for i in group}) == 1
    assert set(i for group in groups for i in group) == set(range(16))


def test_epochs_reshuffle_and_a_seed_repeats():
    dataset = FakeDataset()
    a = IdentityBalancedSampler(dataset, num_instances=2, seed=3)
    b = IdentityBalancedSampler(dataset, num_instances=2, seed=3)
    assert list(a) == list(b)
    first = list(a)
    a.set_epoch(1)
    assert list(a) != first


def test_ranks_split_the_same_epoch_evenly_without_overlap(monkeypatch):
    dataset = FakeDataset()
    per_rank = []
    for rank in range(2):
        monkeypatch.setattr(
            'amnsfw.datasets.samplers.identity_balanced_sampler.'
            'get_dist_info', lambda rank=rank: (rank, 2))
        per_rank.append(IdentityBalancedSampler(dataset, num_instances=4,
                                                seed=5))
    orders = [list(s) for s in per_rank]
    assert len(orders[0]) == len(orders[1]) == len(per_rank[0]) == 8
    # 5 groups over 2 ranks: 2 each, the surplus group dropped this epoch.
    all_groups = groups_of(per_rank[0], 4) + groups_of(per_rank[1], 4)
    assert len({tuple(g) for g in all_groups}) == 4
    counts = Counter(i for order in orders for i in order)
    assert max(counts.values()) <= 2  # only top-up repeats, no rank overlap


def test_num_instances_must_be_positive():
    with pytest.raises(ValueError, match='num_instances'):
        IdentityBalancedSampler(FakeDataset(), num_instances=0, seed=0)
