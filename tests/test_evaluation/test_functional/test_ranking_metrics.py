import pytest
import torch
import torch.nn.functional as F

from amnsfw.evaluation.functional import retrieval_metrics, similarity


def brute_force(sims, relevant, ks):
    """Full ranking per query; equal scores put irrelevant items first."""
    num_queries, num_gallery = sims.shape
    totals = {f'R{k}': 0. for k in ks}
    totals.update(mAP=0., mINP=0.)
    for q in range(num_queries):
        order = sorted(
            range(num_gallery),
            key=lambda g: (-sims[q, g].item(), bool(relevant[q, g])))
        ranks = [r + 1 for r, g in enumerate(order) if relevant[q, g]]
        for k in ks:
            totals[f'R{k}'] += ranks[0] <= k
        totals['mAP'] += sum(
            (i + 1) / rank for i, rank in enumerate(ranks)) / len(ranks)
        totals['mINP'] += len(ranks) / ranks[-1]
    return {name: 100. * total / num_queries for name, total in totals.items()}


def exact_features(num, generator, dim=8):
    """Unit vectors with four entries of +-0.5: all dot products are exact
    multiples of 0.25 whatever the summation order, so ties are frequent and
    the same in every chunk."""
    feats = torch.zeros(num, dim)
    for row in feats:
        cols = torch.randperm(dim, generator=generator)[:4]
        signs = torch.randint(0, 2, (4, ), generator=generator) * 2 - 1
        row[cols] = 0.5 * signs
    return feats


def random_split(num_queries, num_gallery, num_pids, generator):
    gallery_pids = torch.randint(0, num_pids, (num_gallery, ),
                                 generator=generator)
    query_pids = gallery_pids[torch.randint(
        0, num_gallery, (num_queries, ), generator=generator)]
    return query_pids, gallery_pids


def test_hand_worked_ranking():
    # Gallery features are the basis vectors, so a query's feature row is
    # its score for each image (up to a positive scale).
    gallery_pids = torch.tensor([1, 1, 2, 2, 3])
    query_pids = torch.tensor([1, 2, 3])
    scores = torch.tensor([
        # order g0+ g2 g4 g1+ g3: relevant ranks 1, 4
        [.9, .2, .8, .1, .5],
        # order g0 g1 g2+ g3+ g4: relevant ranks 3, 4
        [.7, .6, .5, .4, .3],
        # order g3 g4+ g2 g1 g0: relevant rank 2
        [.1, .2, .3, .9, .4],
    ])
    metrics = retrieval_metrics(scores, torch.eye(5), query_pids,
                                gallery_pids, ks=(1, 2, 5))
    # R@1: only q0 -> 1/3. R@2: q0, q2 -> 2/3. R@5: all.
    # AP: q0 (1/1 + 2/4)/2 = 3/4, q1 (1/3 + 2/4)/2 = 5/12, q2 1/2;
    #     mean (9/12 + 5/12 + 6/12)/3 = 5/9.
    # INP: q0 2/4, q1 2/4, q2 1/2 -> 1/2.
    assert metrics == pytest.approx({
        'R1': 100 / 3,
        'R2': 200 / 3,
        'R5': 100.,
        'mAP': 500 / 9,
        'mINP': 50.,
    })


def test_ties_rank_irrelevant_items_first():
    gallery_pids = torch.tensor([1, 2, 1, 3, 2])
    query_pids = torch.tensor([1, 2])
    scores = torch.tensor([
        # g0+ ties g3-, g2+ is last: pessimistic order g3 g0+ g1 g4 g2+,
        # relevant ranks 2, 5.
        [.5, .4, .1, .5, .2],
        # g1+ and g4+ tie with g3-, g0 above all: order g0 g3 g1+ g4+ g2,
        # relevant ranks 3, 4.
        [.9, .5, .1, .5, .5],
    ])
    metrics = retrieval_metrics(scores, torch.eye(5), query_pids,
                                gallery_pids, ks=(1, 3))
    # R@1: none. R@3: both.
    # AP: q0 (1/2 + 2/5)/2 = 9/20, q1 (1/3 + 2/4)/2 = 5/12 -> mean 13/30.
    # INP: q0 2/5, q1 2/4 -> 9/20.
    assert metrics == pytest.approx({
        'R1': 0.,
        'R3': 100.,
        'mAP': 1300 / 30,
        'mINP': 45.,
    })


@pytest.mark.parametrize('chunk_size', [1, 4, 13, 100])
@pytest.mark.parametrize('exact', [True, False])
def test_chunks_match_brute_force(chunk_size, exact):
    generator = torch.Generator().manual_seed(chunk_size)
    query_pids, gallery_pids = random_split(13, 17, 5, generator)
    if exact:
        query = exact_features(13, generator)
        gallery = exact_features(17, generator)
    else:
        query = torch.randn(13, 8, generator=generator)
        gallery = torch.randn(17, 8, generator=generator)
    ks = (1, 3, 10)
    sims = F.normalize(query, dim=1) @ F.normalize(gallery, dim=1).T
    expected = brute_force(sims, query_pids[:, None] == gallery_pids, ks)
    metrics = retrieval_metrics(query, gallery, query_pids, gallery_pids, ks,
                                chunk_size)
    assert metrics == pytest.approx(expected)


def test_dict_features_average_the_similarities():
    generator = torch.Generator().manual_seed(0)
    query_pids, gallery_pids = random_split(11, 9, 4, generator)
    query = {name: exact_features(11, generator) for name in ('global', 'tse')}
    gallery = {
        'global': exact_features(9, generator),
        'tse': 3 * exact_features(9, generator),  # scale must not matter
    }
    mean_sims = (query['global'] @ gallery['global'].T +
                 query['tse'] @ F.normalize(gallery['tse'], dim=1).T) / 2
    assert torch.allclose(similarity(query, gallery), mean_sims)

    relevant = query_pids[:, None] == gallery_pids
    expected = brute_force(mean_sims, relevant, (1, 5))
    global_only = brute_force(query['global'] @ gallery['global'].T,
                              relevant, (1, 5))
    assert expected != pytest.approx(global_only)  # the test can tell
    metrics = retrieval_metrics(query, gallery, query_pids, gallery_pids,
                                (1, 5), chunk_size=4)
    assert metrics == pytest.approx(expected)


def test_query_without_relevant_item_raises():
    with pytest.raises(ValueError, match=r'query indices \[1\].*ids \[7\]'):
        retrieval_metrics(
            torch.randn(2, 4), torch.randn(3, 4), torch.tensor([0, 7]),
            torch.tensor([0, 1, 1]))


@pytest.mark.parametrize('query, gallery, error, match', [
    ({'a': torch.randn(2, 4)}, {'b': torch.randn(3, 4)}, ValueError,
     r"same embeddings, got \['a'\] and \['b'\]"),
    (torch.randn(2, 4), {'a': torch.randn(3, 4)}, TypeError,
     'Tensor and dict'),
    (torch.randn(2, 4), torch.randn(3, 5), ValueError,
     'dimension 4 in the query and 5'),
])
def test_mismatched_features_raise(query, gallery, error, match):
    with pytest.raises(error, match=match):
        retrieval_metrics(query, gallery, torch.tensor([0, 1]),
                          torch.tensor([0, 1, 1]))


@pytest.mark.parametrize('ks, chunk_size', [((0, 5), 4), ((1, ), 0)])
def test_bad_arguments_raise(ks, chunk_size):
    with pytest.raises(ValueError, match='must be'):
        retrieval_metrics(
            torch.randn(2, 4), torch.randn(3, 4), torch.tensor([0, 1]),
            torch.tensor([0, 1, 1]), ks, chunk_size)
