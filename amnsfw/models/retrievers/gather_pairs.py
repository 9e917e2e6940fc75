r"""Gather a batch's per-pair features from every DDP rank, with gradients.

The batch-wide loss heads (SDM, ITC, TAL, BSDM, WAF) compare every pair of
a batch with every other; under DDP each rank holds only its share of the
batch. :func:`gather_pair_features` concatenates the shares, in rank order,
so every rank computes the loss of the whole global batch.

Gradient scaling. Every rank computes the same global loss :math:`L` from
the same gathered rows. In the backward pass the gradients of the gathered
rows are summed over the ranks and each rank keeps its own rows' sum,
:math:`W\, \partial L / \partial x_r` for :math:`W` ranks. DDP then
averages the parameter gradients over the ranks:

.. math::
    \frac{1}{W}\sum_r W \frac{\partial L}{\partial x_r}
    \frac{\partial x_r}{\partial \theta} = \frac{\partial L}{\partial \theta}

the gradient a single process gets from the same global batch. Parameters
of the loss heads themselves (a learnt temperature) see all rows on every
rank, get :math:`\partial L / \partial \theta` there, and DDP's average
leaves it unchanged. Keeping only the local gradient of one's own rows
instead (no communication) would need the loss multiplied by :math:`W`,
which would also multiply the loss heads' own gradients.

The gather is ``torch.distributed.nn.functional.all_gather``, whose
backward is that sum (a reduce-scatter on NCCL, an all-to-all on gloo);
shares of unequal size are padded to the largest for it.
"""
from typing import Dict, List

import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch.distributed.nn.functional import all_gather

#: Per-pair entries of the features, besides the embeddings, that the
#: batch-wide loss heads read.
PAIR_KEYS = ('image_pids', 'text_pids', 'image_index', 'text_index',
             'pair_weights')
#: Prefixes of the embeddings (global and each embedding head's).
EMBEDDING_PREFIXES = ('image_embeds', 'text_embeds')


def distributed_world_size() -> int:
    """The number of ranks of the default process group; 1 without one."""
    if dist.is_available() and dist.is_initialized():
        return dist.get_world_size()
    return 1


def gather_rows(tensor: torch.Tensor, sizes: List[int]) -> torch.Tensor:
    """Every rank's ``tensor`` concatenated in rank order along dim 0.

    Gradients reach each rank's own rows, summed over the ranks (see the
    module docstring for why that is the single-process gradient under
    DDP).

    Args:
        tensor (torch.Tensor): This rank's rows, ``(sizes[rank], ...)``.
        sizes (list[int]): Every rank's number of rows (from
            :func:`share_sizes`).

    Returns:
        torch.Tensor: ``(sum(sizes), ...)``.
    """
    if len(tensor) != sizes[dist.get_rank()]:
        raise ValueError(f'this rank has {len(tensor)} rows, but the share '
                         f'sizes say {sizes[dist.get_rank()]}')
    # Collectives need equal shapes: pad every share to the largest.
    padding = max(sizes) - len(tensor)
    padded = F.pad(tensor, (0, 0) * (tensor.dim() - 1) + (0, padding))
    shares = all_gather(padded.contiguous())
    return torch.cat([share[:size] for share, size in zip(shares, sizes)])


def share_sizes(size: int, device: torch.device) -> List[int]:
    """Every rank's batch size, in rank order (one small all-gather)."""
    mine = torch.tensor([size], device=device)
    sizes = [torch.empty_like(mine) for _ in range(dist.get_world_size())]
    dist.all_gather(sizes, mine)
    return [int(s.item()) for s in sizes]


def gather_pair_features(
        features: Dict[str, torch.Tensor]) -> Dict[str, torch.Tensor]:
    """The global batch's per-pair features: the embeddings
    (``image_embeds*`` / ``text_embeds*``) and :data:`PAIR_KEYS` of every
    rank, concatenated in rank order.

    Token states, attention maps and MLM inputs are left out (they are
    large, and only heads that score single pairs read them). Call it on
    every rank with the same keys.

    Args:
        features (dict): This rank's features of a batch of aligned pairs
            (``image_embeds`` among them).

    Returns:
        dict: The gathered entries, ``(global batch, ...)`` each.
    """
    keys = [key for key in features
            if key.startswith(EMBEDDING_PREFIXES) or key in PAIR_KEYS]
    local = features['image_embeds']
    sizes = share_sizes(len(local), local.device)
    return {key: gather_rows(features[key].to(local.device), sizes)
            for key in keys}
