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


class ManyPeople(FakeDataset):
    """27 people with 1 to 7 items each: 105 items, 60 groups of 2."""

    def __init__(self):
        self.pids = [pid for pid in range(27) for _ in range(1 + pid % 7)]


def test_ranks_batches_together_are_the_single_process_batch(monkeypatch):
    # 2 ranks of 3 groups (6 items) per batch against one process with 6
    # groups per batch: batch b of both ranks holds exactly the pairs of
    # the single process's batch b, for every full batch of the epoch.
    dataset, k, rank_batch = ManyPeople(), 2, 6
    module = 'amnsfw.datasets.samplers.identity_balanced_sampler.'
    monkeypatch.setattr(module + 'get_dist_info', lambda: (0, 1))
    single = list(IdentityBalancedSampler(dataset, k, seed=7))
    ranks = []
    for rank in range(2):
        monkeypatch.setattr(module + 'get_dist_info',
                            lambda rank=rank: (rank, 2))
        ranks.append(list(IdentityBalancedSampler(dataset, k, seed=7)))
    global_batch = 2 * rank_batch
    full_batches = len(single) // global_batch
    assert full_batches == min(len(r) for r in ranks) // rank_batch == 10
    for b in range(full_batches):
        gathered = sum((r[b * rank_batch:(b + 1) * rank_batch]
                        for r in ranks), [])
        expected = single[b * global_batch:(b + 1) * global_batch]
        assert sorted(gathered) == sorted(expected)
