"""Retrieval metrics (R@K, mAP, mINP) from feature matrices, in query chunks.

Peers build the full Q x G similarity matrix, argsort every row and take
cumulative sums over it, which runs out of memory at ICFG-PEDES sizes and
spends most of its time sorting. Here at most ``chunk_size`` rows of the
similarity matrix exist at a time, and only the ranks of each query's
relevant items are counted, without sorting a row
(:mod:`~amnsfw.evaluation.functional.relevant_ranks`). ``chunk_size='auto'``
sizes the chunks to a memory budget (:func:`auto_chunk_size`): on a GPU,
half of its free memory.
"""
from typing import Dict, Mapping, Optional, Sequence, Tuple, Union

import torch
import torch.nn.functional as F
from torch import Tensor

from amnsfw.evaluation.functional.relevant_ranks import (CountingBuffers,
                                                         pessimistic_ranks,
                                                         relevant_items)

#: One (N, D) embedding matrix, or several by name (e.g. RDE's
#: ``{'global': ..., 'tse': ...}``), all with the same N.
Features = Union[Tensor, Mapping[str, Tensor]]
#: Queries ranked at a time, or ``'auto'`` (:func:`auto_chunk_size`).
ChunkSize = Union[int, str]

#: Peak bytes per (query, gallery) pair of one ranked chunk: the float32
#: similarities (4) and the buffers of
#: :func:`~amnsfw.evaluation.functional.relevant_ranks.count_at_least`
#: (float32 shifted scores 4, int64 bins 8, bool candidate mask 1), plus a
#: margin for the candidates and a second embedding's product.
RANKING_BYTES_PER_PAIR = 24
#: Share of a GPU's free memory that one chunk's buffers may take.
GPU_MEMORY_SHARE = 0.5


def memory_budget_mb_of(device: torch.device, cpu_budget_mb: float) -> float:
    """The MiB one ranked chunk may take on ``device``.

    On a CUDA device, :data:`GPU_MEMORY_SHARE` of its free memory
    (``torch.cuda.mem_get_info``); elsewhere the fixed ``cpu_budget_mb``.

    Args:
        device (torch.device): Device of the features.
        cpu_budget_mb (float): Budget off a GPU, in MiB.

    Returns:
        float: The budget in MiB.
    """
    if torch.device(device).type == 'cuda':
        free_bytes, _ = torch.cuda.mem_get_info(device)
        return GPU_MEMORY_SHARE * free_bytes / 2**20
    return cpu_budget_mb


def auto_chunk_size(num_gallery: int, memory_budget_mb: float = 512.) -> int:
    """The most queries whose ranking against ``num_gallery`` items fits
    ``memory_budget_mb``.

    ``chunk = floor(budget / (RANKING_BYTES_PER_PAIR * num_gallery))``, at
    least 1. The budget covers the per-chunk buffers of
    :func:`retrieval_metrics`, not the (N, D) feature matrices themselves.

    Args:
        num_gallery (int): Gallery size G, positive.
        memory_budget_mb (float): Budget in MiB for one chunk's buffers.
            Defaults to 512.

    Returns:
        int: The chunk size, at least 1.
    """
    if isinstance(num_gallery, bool) or not isinstance(
            num_gallery, int) or num_gallery < 1:
        raise ValueError(
            f'num_gallery must be a positive integer, got {num_gallery!r}')
    if not memory_budget_mb > 0:
        raise ValueError(
            f'memory_budget_mb must be positive, got {memory_budget_mb!r}')
    budget = int(memory_budget_mb * 2**20)
    return max(1, budget // (RANKING_BYTES_PER_PAIR * num_gallery))


def check_ranking_args(ks: Sequence[int],
                       chunk_size: ChunkSize) -> Tuple[int, ...]:
    """Check the cut-offs and the chunk size of :func:`retrieval_metrics`.

    Args:
        ks (Sequence[int]): Cut-offs K of R@K, each a positive integer.
        chunk_size (int | str): Number of queries ranked at a time,
            positive, or ``'auto'``.

    Returns:
        Tuple[int, ...]: The cut-offs as a tuple.
    """
    ks = tuple(ks)
    if not ks or any(isinstance(k, bool) or not isinstance(k, int) or k < 1
                     for k in ks):
        raise ValueError(f'ks must be a non-empty sequence of positive '
                         f'integers, got {ks!r}')
    if chunk_size != 'auto' and (isinstance(chunk_size, bool)
                                 or not isinstance(chunk_size, int)
                                 or chunk_size < 1):
        raise ValueError(f"chunk_size must be a positive integer or 'auto', "
                         f'got {chunk_size!r}')
    return ks


def _normalized(feats: Features, side: str) -> Dict[str, Tensor]:
    """L2-normalise every embedding of one side, in float32, by name."""
    named = {'feats': feats} if isinstance(feats, Tensor) else dict(feats)
    if not named:
        raise ValueError(f'{side} features are an empty dict')
    normalized = {}
    for name, value in named.items():
        if value.dim() != 2:
            raise ValueError(f'{side} embedding {name!r} must be an (N, D) '
                             f'matrix, got shape {tuple(value.shape)}')
        if not torch.isfinite(value).all():
            raise ValueError(f'{side} embedding {name!r} has NaN or '
                             f'infinite values')
        normalized[name] = F.normalize(value.float(), dim=1)
    lengths = {name: value.shape[0] for name, value in normalized.items()}
    if len(set(lengths.values())) != 1:
        raise ValueError(
            f'{side} embeddings differ in their number of items: {lengths}')
    return normalized


def _normalized_pair(
    query_feats: Features, gallery_feats: Features
) -> Tuple[Dict[str, Tensor], Dict[str, Tensor]]:
    """Normalise both sides and check that their embeddings match."""
    if isinstance(query_feats, Tensor) != isinstance(gallery_feats, Tensor):
        raise TypeError(
            'query and gallery features must both be tensors or both be '
            f'dicts of tensors, got {type(query_feats).__name__} and '
            f'{type(gallery_feats).__name__}')
    query = _normalized(query_feats, 'query')
    gallery = _normalized(gallery_feats, 'gallery')
    if query.keys() != gallery.keys():
        raise ValueError('query and gallery features must have the same '
                         f'embeddings, got {sorted(query)} and '
                         f'{sorted(gallery)}')
    for name, value in query.items():
        if value.shape[1] != gallery[name].shape[1]:
            raise ValueError(
                f'embedding {name!r} has dimension {value.shape[1]} in the '
                f'query and {gallery[name].shape[1]} in the gallery')
    return query, gallery


def _mean_cosine(query: Dict[str, Tensor],
                 gallery: Dict[str, Tensor],
                 out: Optional[Tensor] = None) -> Tensor:
    """Mean over embeddings of the dot products of normalised features,
    accumulated in one (Q, G) buffer (``out`` if given)."""
    (first, *others) = query
    sims = torch.mm(query[first], gallery[first].T, out=out)
    for name in others:
        sims.addmm_(query[name], gallery[name].T)
    return sims.div_(len(query)) if others else sims


def similarity(query_feats: Features, gallery_feats: Features) -> Tensor:
    """Similarity of every query to every gallery item.

    With E embeddings per item (one for a plain tensor),
    ``S_qg = (1/E) sum_e cos(q_e, g_e)``: each embedding is L2-normalised,
    then the per-embedding dot products are averaged (RDE's inference
    similarity for its global and TSE embeddings).

    Args:
        query_feats (Tensor | Mapping[str, Tensor]): Query features, an
            (Q, D) matrix or a dict of (Q, D_e) matrices.
        gallery_feats (Tensor | Mapping[str, Tensor]): Gallery features of
            the same kind, with the same dict keys and dimensions.

    Returns:
        Tensor: The (Q, G) float32 similarity matrix.
    """
    return _mean_cosine(*_normalized_pair(query_feats, gallery_feats))


def retrieval_metrics(query_feats: Features,
                      gallery_feats: Features,
                      query_pids: Tensor,
                      gallery_pids: Tensor,
                      ks: Sequence[int] = (1, 5, 10),
                      chunk_size: ChunkSize = 'auto',
                      memory_budget_mb: float = 512.) -> Dict[str, float]:
    """Ranking metrics of queries against a gallery, in percent.

    Similarities are those of :func:`similarity`. A query's relevant items
    are all gallery items with its person id. Let ``r_1 < ... < r_n`` be the
    1-based ranks of a query's ``n`` relevant items in its ranking of the
    whole gallery by descending similarity. Then, averaged over queries:

    - ``R@K = [r_1 <= K]``: at least one relevant item in the top K;
    - ``AP = (1/n) sum_j rel_j * precision@j = (1/n) sum_k k / r_k``;
    - ``INP = n / r_n``: inverse negative penalty of the last relevant item.

    Ties are pessimistic: among items with equal similarity, irrelevant
    items rank before relevant ones, so
    ``r_k = k + #{irrelevant items with similarity >= that of the k-th
    relevant item}``. This is a deterministic lower bound of what an
    arbitrary (unstable argsort) tie order gives.

    The ranks are counted, not sorted
    (:func:`~amnsfw.evaluation.functional.relevant_ranks.pessimistic_ranks`),
    on the features' device. Only ``chunk_size`` queries are ranked at a
    time, so memory is O(chunk_size x G), never O(Q x G); ``'auto'`` picks
    the largest chunk whose buffers fit the budget (:func:`auto_chunk_size`
    of :func:`memory_budget_mb_of`: ``memory_budget_mb`` off a GPU, half of
    a GPU's free memory on one). A cut-off K >= G gives R@K = 100, as every
    query has a relevant item. Sums accumulate in float64.

    Args:
        query_feats (Tensor | Mapping[str, Tensor]): Query features, an
            (Q, D) matrix or a dict of (Q, D_e) matrices.
        gallery_feats (Tensor | Mapping[str, Tensor]): Gallery features of
            the same kind, with the same dict keys and dimensions.
        query_pids (Tensor): (Q,) person ids of the queries.
        gallery_pids (Tensor): (G,) person ids of the gallery items.
        ks (Sequence[int]): Cut-offs K of R@K. Defaults to (1, 5, 10).
        chunk_size (int | str): Number of queries ranked at a time, or
            ``'auto'``. Defaults to ``'auto'``.
        memory_budget_mb (float): With ``chunk_size='auto'`` off a GPU,
            the MiB that one chunk's buffers may take. Defaults to 512.

    Returns:
        Dict[str, float]: ``'R{K}'`` for each K, ``'mAP'`` and ``'mINP'``,
        all in percent.

    Raises:
        ValueError: If a query has no relevant gallery item (a broken
            split), if there are no queries or no gallery items, if a
            feature is NaN or infinite, or if shapes, ids, ``ks`` or
            ``chunk_size`` are invalid.
    """
    ks = check_ranking_args(ks, chunk_size)
    query, gallery = _normalized_pair(query_feats, gallery_feats)
    num_queries = next(iter(query.values())).shape[0]
    num_gallery = next(iter(gallery.values())).shape[0]
    if num_queries == 0:
        raise ValueError('there are no queries to evaluate')
    if num_gallery == 0:
        raise ValueError('the gallery is empty: there is nothing to rank')
    if query_pids.shape != (num_queries, ):
        raise ValueError(f'query_pids must have shape ({num_queries},), got '
                         f'{tuple(query_pids.shape)}')
    if gallery_pids.shape != (num_gallery, ):
        raise ValueError(f'gallery_pids must have shape ({num_gallery},), '
                         f'got {tuple(gallery_pids.shape)}')
    device = next(iter(query.values())).device
    index, num_relevant = relevant_items(query_pids.to(device),
                                         gallery_pids.to(device))
    orphans = (num_relevant == 0).nonzero().flatten()
    if len(orphans):
        shown = orphans[:10].tolist()
        raise ValueError(
            f'{len(orphans)} of {num_queries} queries have no relevant '
            f'gallery item (a broken split); first query indices {shown} '
            f'with person ids {query_pids[shown].tolist()}')
    if chunk_size == 'auto':
        chunk_size = auto_chunk_size(
            num_gallery, memory_budget_mb_of(device, memory_budget_mb))

    hits = {k: 0 for k in ks}
    ap_sum = inp_sum = 0.
    # Buffers made once: fresh (C, G) tensors per chunk would cost more
    # than the arithmetic on them (page faults).
    rows = min(chunk_size, num_queries)
    sims_buffer = torch.empty(rows, num_gallery, device=device)
    buffers = CountingBuffers.empty(rows, num_gallery, device)
    for start in range(0, num_queries, chunk_size):
        stop = min(start + chunk_size, num_queries)
        chunk = {name: value[start:stop] for name, value in query.items()}
        sims = _mean_cosine(chunk, gallery, sims_buffer[:stop - start])
        chunk_relevant = num_relevant[start:stop]
        width = int(chunk_relevant.max())
        ranks = pessimistic_ranks(sims, index[start:stop, :width],
                                  chunk_relevant,
                                  buffers.rows(stop - start))
        valid = torch.arange(width, device=device) < chunk_relevant[:, None]
        for k in ks:
            hits[k] += int((ranks[:, 0] <= k).sum())
        # The k-th relevant item's precision@r_k is k / r_k.
        precisions = torch.arange(
            1, width + 1, dtype=torch.float64, device=device) / ranks.double()
        ap_sum += float(((precisions * valid).sum(dim=1) /
                         chunk_relevant.double()).sum())
        last_ranks = ranks.gather(1, (chunk_relevant - 1)[:, None]).squeeze(1)
        inp_sum += float(
            (chunk_relevant.double() / last_ranks.double()).sum())

    metrics = {f'R{k}': 100. * hits[k] / num_queries for k in ks}
    metrics['mAP'] = 100. * ap_sum / num_queries
    metrics['mINP'] = 100. * inp_sum / num_queries
    return metrics
