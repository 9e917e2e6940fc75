import pytest
import torch
import torch.nn.functional as F

from amnsfw.evaluation.functional import (count_at_least, memory_budget_mb_of,
                                          pessimistic_ranks, relevant_items,
                                          retrieval_metrics)
from amnsfw.evaluation.functional import ranking_metrics


def sorting_ranks(scores, relevant):
    """Ranks as the metric computed them before it stopped sorting: sort
    each row's irrelevant scores, binary-search the relevant ones."""
    num_relevant = relevant.sum(dim=1)
    relevant_scores = scores.masked_fill(~relevant, float('-inf')).topk(
        int(num_relevant.max()), dim=1).values
    irrelevant = scores.masked_fill(relevant, float('-inf')).sort(dim=1).values
    above = scores.shape[1] - torch.searchsorted(irrelevant,
                                                 relevant_scores.contiguous())
    return torch.arange(1, relevant_scores.shape[1] + 1) + above, num_relevant


def sorting_metrics(scores, relevant, ks):
    ranks, num_relevant = sorting_ranks(scores, relevant)
    valid = torch.arange(ranks.shape[1]) < num_relevant[:, None]
    metrics = {f'R{k}': 100. * float((ranks[:, 0] <= k).double().mean())
               for k in ks}
    precisions = torch.arange(1, ranks.shape[1] + 1) / ranks.double()
    metrics['mAP'] = 100. * float(
        ((precisions * valid).sum(1) / num_relevant).mean())
    last = ranks.gather(1, (num_relevant - 1)[:, None]).squeeze(1)
    metrics['mINP'] = 100. * float((num_relevant / last.double()).mean())
    return metrics


def tied_features(num, generator, dim=12):
    """Unit vectors with four entries of +-0.5: every dot product is an
    exact multiple of 0.25, so equal similarities abound."""
    feats = torch.zeros(num, dim)
    for row in feats:
        cols = torch.randperm(dim, generator=generator)[:4]
        row[cols] = 0.5 * (torch.randint(0, 2, (4, ), generator=generator) *
                           2 - 1).float()
    return feats


@pytest.mark.parametrize('num_bins', [None, 3, 4, 64])
def test_counts_equal_a_direct_comparison_with_ties(num_bins):
    generator = torch.Generator().manual_seed(0)
    scores = torch.randint(0, 5, (7, 50), generator=generator).float() / 4
    scores[3] = 0.5  # a constant row
    thresholds = torch.cat([
        scores.gather(1, torch.randint(0, 50, (7, 6), generator=generator)),
        torch.tensor([[-3., 7.]]).expand(7, 2),  # outside every row's range
    ], dim=1)
    expected = (scores[:, :, None] >= thresholds[:, None, :]).sum(dim=1)
    counts = count_at_least(scores, thresholds, num_bins)
    assert torch.equal(counts, expected)


def test_counts_in_double_precision_and_dtype_mismatch():
    generator = torch.Generator().manual_seed(2)
    scores = torch.randn(3, 300, generator=generator, dtype=torch.float64)
    thresholds = scores[:, ::30]
    expected = (scores[:, :, None] >= thresholds[:, None, :]).sum(dim=1)
    assert torch.equal(count_at_least(scores, thresholds), expected)
    with pytest.raises(ValueError, match='must share a dtype'):
        count_at_least(scores.float(), thresholds)


def test_counts_of_continuous_scores_in_a_long_row():
    generator = torch.Generator().manual_seed(1)
    scores = torch.randn(5, 20_000, generator=generator)
    thresholds = scores[:, :40]
    expected = (scores[:, :, None] >= thresholds[:, None, :]).sum(dim=1)
    assert torch.equal(count_at_least(scores, thresholds), expected)


def test_relevant_items_lists_each_querys_person():
    gallery_pids = torch.tensor([4, 2, 4, 9, 4, 2])
    index, num_relevant = relevant_items(torch.tensor([2, 4, 9, 7]),
                                         gallery_pids)
    assert num_relevant.tolist() == [2, 3, 1, 0]
    assert index.shape == (4, 3)
    assert sorted(index[0, :2].tolist()) == [1, 5]
    assert sorted(index[1].tolist()) == [0, 2, 4]
    assert index[2, 0] == 3


@pytest.mark.parametrize('seed', range(4))
def test_ranks_equal_the_sorting_ranks_with_ties(seed):
    generator = torch.Generator().manual_seed(seed)
    query_pids = torch.randint(0, 6, (30, ), generator=generator)
    gallery_pids = torch.cat([torch.arange(6), torch.randint(
        0, 6, (60, ), generator=generator)])
    scores = tied_features(30, generator) @ tied_features(66, generator).T
    index, num_relevant = relevant_items(query_pids, gallery_pids)
    ranks = pessimistic_ranks(scores, index, num_relevant)
    expected, _ = sorting_ranks(scores, query_pids[:, None] == gallery_pids)
    valid = torch.arange(index.shape[1]) < num_relevant[:, None]
    assert torch.equal(ranks[valid], expected[valid])


@pytest.mark.parametrize('tied', [True, False])
def test_metrics_equal_the_sorting_metrics(tied):
    generator = torch.Generator().manual_seed(int(tied))
    gallery_pids = torch.arange(300) // 7
    query_pids = gallery_pids[torch.randint(0, 300, (200, ),
                                            generator=generator)]
    make = tied_features if tied else (
        lambda num, gen: torch.randn(num, 32, generator=gen))
    query, gallery = make(200, generator), make(300, generator)
    scores = F.normalize(query, dim=1) @ F.normalize(gallery, dim=1).T
    if tied:
        assert len(scores.unique()) < scores.numel() / 100  # many ties
    expected = sorting_metrics(scores, query_pids[:, None] == gallery_pids,
                               (1, 5, 10))
    metrics = retrieval_metrics(query, gallery, query_pids, gallery_pids,
                                chunk_size=37)
    assert metrics.keys() == expected.keys()
    for name, value in expected.items():
        assert metrics[name] == pytest.approx(value, abs=1e-6), name


def test_gpu_budget_is_a_share_of_the_free_memory(monkeypatch):
    monkeypatch.setattr(torch.cuda, 'mem_get_info',
                        lambda device=None: (8 * 2**30, 80 * 2**30))
    assert memory_budget_mb_of(torch.device('cuda', 0), 512.) == (
        ranking_metrics.GPU_MEMORY_SHARE * 8 * 1024)
    assert memory_budget_mb_of(torch.device('cpu'), 512.) == 512.


@pytest.mark.parametrize('query, gallery, match', [
    (torch.tensor([[1., float('nan')]]), torch.ones(3, 2), 'NaN or infinite'),
    (torch.ones(1, 2), torch.tensor([[1., float('inf')]] * 3),
     'NaN or infinite'),
    (torch.ones(1, 2), torch.ones(3, 4), 'dimension 2 in the query and 4'),
    (torch.ones(1, 2), torch.ones(0, 2), 'gallery is empty'),
])
def test_bad_features_are_refused(query, gallery, match):
    with pytest.raises(ValueError, match=match):
        retrieval_metrics(query, gallery, torch.tensor([0]),
                          torch.zeros(len(gallery), dtype=torch.long))
