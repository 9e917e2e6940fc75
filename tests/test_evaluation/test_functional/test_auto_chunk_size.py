import pytest
import torch

from amnsfw.evaluation.functional import auto_chunk_size, retrieval_metrics
from amnsfw.evaluation.functional.ranking_metrics import \
    RANKING_BYTES_PER_PAIR
from amnsfw.evaluation.metrics import TextToImageRetrievalMetric


def test_chunk_fills_the_budget_and_no_more():
    # 512 MiB over 19,848 gallery items at 24 bytes a pair: 1127 queries.
    assert auto_chunk_size(19848, 512) == 536870912 // (24 * 19848) == 1127
    for gallery, budget in [(3074, 512), (100_000, 64), (7, 0.001)]:
        chunk = auto_chunk_size(gallery, budget)
        fits = chunk * gallery * RANKING_BYTES_PER_PAIR
        assert fits <= budget * 2**20 or chunk == 1
        assert (chunk + 1) * gallery * RANKING_BYTES_PER_PAIR > budget * 2**20


def test_one_query_at_least_when_a_row_exceeds_the_budget():
    assert auto_chunk_size(10**9, 1) == 1


@pytest.mark.parametrize('gallery, budget', [(0, 512), (10, 0), (10, -1.)])
def test_bad_arguments_raise(gallery, budget):
    with pytest.raises(ValueError, match='must be (a )?positive'):
        auto_chunk_size(gallery, budget)


def test_auto_chunks_give_the_same_metrics_as_one_chunk():
    generator = torch.Generator().manual_seed(0)
    gallery_pids = torch.arange(40) // 4
    query_pids = gallery_pids[torch.randint(0, 40, (50, ),
                                            generator=generator)]
    query = torch.randn(50, 8, generator=generator)
    gallery = torch.randn(40, 8, generator=generator)
    # A budget of 40 x 24 x 3 bytes: chunks of 3 queries.
    budget = 40 * 24 * 3 / 2**20
    assert auto_chunk_size(40, budget) == 3
    whole = retrieval_metrics(query,
                              gallery,
                              query_pids,
                              gallery_pids,
                              chunk_size=50)
    auto = retrieval_metrics(query,
                             gallery,
                             query_pids,
                             gallery_pids,
                             chunk_size='auto',
                             memory_budget_mb=budget)
    assert auto == pytest.approx(whole)

    metric = TextToImageRetrievalMetric(memory_budget_mb=budget)
    assert metric.chunk_size == 'auto'
    metric.results = [
        dict(modality='image',
             index=i,
             pid=int(gallery_pids[i]),
             feats={'global': gallery[i]}) for i in range(40)
    ] + [
        dict(modality='text',
             index=i,
             pid=int(query_pids[i]),
             feats={'global': query[i]}) for i in range(50)
    ]
    assert metric.compute_metrics(metric.results) == pytest.approx(whole)


def test_metric_rejects_bad_chunk_arguments():
    with pytest.raises(ValueError, match="positive integer or 'auto'"):
        TextToImageRetrievalMetric(chunk_size='big')
    with pytest.raises(ValueError, match='memory_budget_mb must be positive'):
        TextToImageRetrievalMetric(memory_budget_mb=0)
