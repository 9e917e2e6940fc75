"""Ranks of the relevant gallery items, counted without sorting a row.

Ranking metrics need only the ranks of a query's few relevant items, and the
rank of an item is one plus the number of items scored above it. Counting
those items for R thresholds per row takes a few linear passes over the
row instead of an O(G log G) sort (the peers argsort every row):

1. every score goes to one of ``num_bins`` equal-width bins spanning its
   row from the lowest threshold to the top; the binning is monotone, so
   an item in a higher bin than a threshold's scores above it and one in a
   lower bin below it;
2. the cumulative sum of a per-row histogram of the bins counts the items
   in higher bins for every threshold at once;
3. only the items that share a bin with a threshold (a few per bin) are
   compared with it exactly.

Every step is a torch op on the scores' device, so the same code runs on a
GPU.
"""
from dataclasses import dataclass
from typing import Optional, Tuple

import torch
from torch import Tensor

#: Most bins per row of :func:`count_at_least`: enough that few items share
#: a threshold's bin, few enough that the (C, bins) tables stay small.
MAX_BINS = 4096
#: Items per bin on average when the row is short enough to want fewer.
ITEMS_PER_BIN = 4


@dataclass
class CountingBuffers:
    """(C, G) work buffers of :func:`count_at_least`, kept across chunks.

    Allocating them afresh for every chunk costs more than the arithmetic
    on a CPU (the pages of a big new tensor fault in one by one), so a
    caller ranking many chunks makes them once (:meth:`empty`) and passes
    :meth:`rows` of them.
    """
    #: float32 scores shifted and scaled into bin units.
    shifted: Tensor
    #: int64 bin of each score.
    bins: Tensor
    #: bool: the score shares a bin with a threshold.
    shares: Tensor

    @classmethod
    def empty(cls, num_rows: int, num_items: int, device: torch.device,
              dtype: torch.dtype = torch.float32) -> 'CountingBuffers':
        """Uninitialised buffers for up to ``num_rows`` rows of scores of
        ``dtype``."""
        shape = (num_rows, num_items)
        return cls(torch.empty(shape, dtype=dtype, device=device),
                   torch.empty(shape, dtype=torch.int64, device=device),
                   torch.empty(shape, dtype=torch.bool, device=device))

    def rows(self, num_rows: int) -> 'CountingBuffers':
        """The first ``num_rows`` rows (contiguous views)."""
        return CountingBuffers(self.shifted[:num_rows],
                               self.bins[:num_rows],
                               self.shares[:num_rows])


def count_at_least(scores: Tensor,
                   thresholds: Tensor,
                   num_bins: Optional[int] = None,
                   buffers: Optional[CountingBuffers] = None) -> Tensor:
    """For each row, how many scores are at least each of its thresholds.

    ``counts[c, r] = #{g : scores[c, g] >= thresholds[c, r]}``, exactly
    (ties count), in O(G + R * G / num_bins) per row.

    Args:
        scores (Tensor): (C, G) finite float scores.
        thresholds (Tensor): (C, R) finite thresholds of the same dtype.
        num_bins (int, optional): Bins per row, at least 3. Defaults to
            ``G / ITEMS_PER_BIN``, within ``[3, MAX_BINS]``.
        buffers (CountingBuffers, optional): Work buffers of the scores'
            shape, dtype and device. Defaults to new ones.

    Returns:
        Tensor: (C, R) int64 counts.
    """
    num_rows, num_items = scores.shape
    device = scores.device
    if buffers is None:
        buffers = CountingBuffers.empty(num_rows, num_items, device,
                                        scores.dtype)
    # Scores and thresholds must be binned by the very same float ops.
    if not thresholds.dtype == buffers.shifted.dtype == scores.dtype:
        raise ValueError(
            f'scores, thresholds and buffers must share a dtype, got '
            f'{scores.dtype}, {thresholds.dtype} and '
            f'{buffers.shifted.dtype}')
    if num_bins is None:
        num_bins = max(3, min(MAX_BINS, num_items // ITEMS_PER_BIN))
    # Bins 1 .. num_bins - 1 span [lowest threshold, row maximum]; bin 0
    # collects what lies well below (the lowest threshold sits mid-bin 1,
    # whatever the rounding), which no threshold counts.
    # Only monotonicity matters for exactness: a subtraction, a
    # multiplication by a positive number, a clamp and truncating a
    # non-negative value each keep the order of their inputs.
    lowest = thresholds.amin(dim=1)
    span = (scores.amax(dim=1) - lowest).clamp_(min=0.)
    scale = ((num_bins - 2) / span).nan_to_num_(1., 1., 1.)
    low = lowest - 1.5 / scale
    low, scale = low[:, None], scale[:, None]

    def to_bins(values: Tensor, shifted: Tensor, bins: Tensor) -> Tensor:
        torch.sub(values, low, out=shifted)
        shifted.mul_(scale).clamp_(0., num_bins - 1)
        return bins.copy_(shifted)  # truncates, as .long() does

    bins = to_bins(scores, buffers.shifted, buffers.bins)
    # Ascending thresholds: those sharing a bin are neighbours.
    thresholds, order = thresholds.sort(dim=1)
    threshold_bins = to_bins(thresholds, torch.empty_like(thresholds),
                             torch.empty_like(order))
    histogram = torch.zeros(num_rows, num_bins, dtype=torch.int32,
                            device=device)
    histogram.scatter_add_(
        1, bins,
        torch.ones(1, 1, dtype=torch.int32, device=device).expand_as(bins))
    # Items in a strictly higher bin than the threshold's.
    counts = num_items - histogram.cumsum_(1).gather(1, threshold_bins).long()
    counts += _count_same_bin(scores, bins, thresholds, threshold_bins,
                              num_bins, buffers.shares)
    return counts.scatter(1, order, counts)


def _count_same_bin(scores: Tensor, bins: Tensor, thresholds: Tensor,
                    threshold_bins: Tensor, num_bins: int,
                    shares: Tensor) -> Tensor:
    """For each threshold, the scores in its own bin that are at least it.

    Args:
        scores (Tensor): (C, G) scores.
        bins (Tensor): (C, G) int64 bin of each score.
        thresholds (Tensor): (C, R) thresholds, ascending per row.
        threshold_bins (Tensor): (C, R) int64 bin of each threshold.
        num_bins (int): Bins per row.
        shares (Tensor): (C, G) bool work buffer.

    Returns:
        Tensor: (C, R) int64 counts.
    """
    num_rows, num_thresholds = thresholds.shape
    device = scores.device
    shares_a_bin = torch.zeros(num_rows, num_bins, dtype=torch.bool,
                               device=device)
    shares_a_bin.scatter_(1, threshold_bins, True)
    torch.gather(shares_a_bin, 1, bins, out=shares)
    flat = shares.view(-1).nonzero().squeeze(1)
    rows = flat // scores.shape[1]
    candidate_scores = scores.reshape(-1)[flat]
    # (row, bin) as one ascending integer key: a candidate's thresholds are
    # slots start .. stop - 1 of the flattened (C, R) thresholds.
    row_offsets = torch.arange(num_rows, device=device)[:, None] * num_bins
    threshold_keys = (threshold_bins + row_offsets).view(-1)
    candidate_keys = bins.view(-1)[flat] + rows * num_bins
    slot = torch.searchsorted(threshold_keys, candidate_keys)
    stop = torch.searchsorted(threshold_keys, candidate_keys, right=True)
    flat_thresholds = thresholds.reshape(-1)
    # A candidate counts for the thresholds of its bin that it reaches: a
    # run of slots from start, as they ascend. Most bins hold one
    # threshold; the few candidates in bins with more step through them.
    reached = (candidate_scores >= flat_thresholds[slot]).long()
    several = (stop - slot > 1).nonzero().squeeze(1)
    for step in range(1, int((stop - slot).max()) if len(slot) else 0):
        inside = slot[several] + step < stop[several]
        several = several[inside]
        reached[several] += (candidate_scores[several] >= flat_thresholds[
            slot[several] + step]).long()
    # +1 at the run's first slot, -1 after its last; a cumulative sum
    # turns the runs into counts (runs never cross a row).
    size = num_rows * num_thresholds + 1
    counts = (torch.bincount(slot, minlength=size) -
              torch.bincount(slot + reached, minlength=size)).cumsum_(0)
    counts = counts[:-1]
    return counts.view(num_rows, num_thresholds)


def relevant_items(query_pids: Tensor,
                   gallery_pids: Tensor) -> Tuple[Tensor, Tensor]:
    """Gallery indices of each query's relevant items (same person id).

    Args:
        query_pids (Tensor): (Q,) integer person ids.
        gallery_pids (Tensor): (G,) integer person ids, on the same device.

    Returns:
        Tuple[Tensor, Tensor]: ``index`` (Q, R) int64, R the largest
        relevant count, each row's relevant gallery indices, padded by
        repeating its last one (0 for a query with none); ``num_relevant``
        (Q,) int64.
    """
    order = gallery_pids.argsort(stable=True)
    sorted_pids = gallery_pids[order]
    first = torch.searchsorted(sorted_pids, query_pids)
    num_relevant = torch.searchsorted(sorted_pids, query_pids,
                                      right=True) - first
    width = max(int(num_relevant.max()), 1) if len(query_pids) else 1
    offsets = torch.arange(width, device=query_pids.device)
    slots = first[:, None] + torch.minimum(
        offsets, (num_relevant[:, None] - 1).clamp(min=0))
    index = order[slots.clamp(max=max(len(order) - 1, 0))]
    return index, num_relevant


def pessimistic_ranks(
        scores: Tensor,
        index: Tensor,
        num_relevant: Tensor,
        buffers: Optional[CountingBuffers] = None) -> Tensor:
    """Pessimistic 1-based ranks of each row's relevant items, ascending.

    The k-th relevant item by descending score has rank
    ``k + #{irrelevant items with score >= its score}``: among equal scores
    irrelevant items come first.

    Args:
        scores (Tensor): (C, G) finite scores.
        index (Tensor): (C, R) gallery indices of the relevant items, as
            :func:`relevant_items` pads them.
        num_relevant (Tensor): (C,) int64 real entries of each row of
            ``index``, each at least 1.
        buffers (CountingBuffers, optional): Work buffers of
            :func:`count_at_least`. Defaults to new ones.

    Returns:
        Tensor: (C, R) int64 ranks, ascending per row; entries past a row's
        ``num_relevant`` are meaningless.
    """
    width = index.shape[1]
    valid = torch.arange(width, device=scores.device) < num_relevant[:, None]
    # Descending relevant scores; padding (-inf) sorts last.
    descending = scores.gather(1, index).masked_fill(
        ~valid, float('-inf')).sort(dim=1, descending=True).values
    # Padded thresholds repeat the row's lowest real one.
    lowest = descending.gather(1, (num_relevant - 1)[:, None])
    thresholds = torch.where(valid, descending, lowest)
    all_at_least = count_at_least(scores, thresholds, buffers=buffers)
    # Relevant scores >= each threshold, by a binary search in the row's
    # ascending negated scores (padding becomes +inf, never counted).
    relevant_at_least = torch.searchsorted(-descending, -thresholds,
                                           right=True)
    positions = torch.arange(1, width + 1, device=scores.device)
    return positions + all_at_least - relevant_at_least
