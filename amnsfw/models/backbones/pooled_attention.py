"""Attention rows of the pooled token, read off a transformer in its pass."""
import contextlib
from typing import Iterator, List, Optional, Sequence

import torch
from torch import nn


def pooled_token_attention(attention: nn.Module, normed: torch.Tensor,
                           query_index: torch.Tensor,
                           causal: bool) -> torch.Tensor:
    """Head-averaged attention of one token per row to every token.

    Recomputes only the query row's scores from the layer's own projections
    (``q_proj``, ``k_proj``, ``scale``, as in transformers' CLIP attention),
    so the transformer itself keeps its fused attention kernel.

    Args:
        attention (nn.Module): The layer's self-attention module.
        normed (Tensor): Its input, ``(B, T, width)``, after layer norm.
        query_index (Tensor): ``(B,)`` position of the attending token.
        causal (bool): Mask keys after the query (CLIP's text tower).

    Returns:
        Tensor: ``(B, T)``, each row a distribution over the tokens.
    """
    batch, length, width = normed.shape
    heads = attention.num_heads
    rows = torch.arange(batch, device=normed.device)
    query = attention.q_proj(normed[rows, query_index])
    keys = attention.k_proj(normed)
    query = query.view(batch, heads, 1, width // heads)
    keys = keys.view(batch, length, heads, width // heads).transpose(1, 2)
    scores = (query @ keys.transpose(-1, -2)).squeeze(2) * attention.scale
    if causal:
        after = (torch.arange(length, device=normed.device).view(1, -1)
                 > query_index.view(-1, 1))
        scores = scores.masked_fill(after.unsqueeze(1), float('-inf'))
    return scores.float().softmax(dim=-1).mean(dim=1).to(normed.dtype)


@contextlib.contextmanager
def capture_pooled_attention(layers: Sequence[nn.Module],
                             query_index: Optional[torch.Tensor],
                             causal: bool) -> Iterator[List[torch.Tensor]]:
    """Collect :func:`pooled_token_attention` of ``layers`` for the pass of
    the transformer inside the ``with`` block.

    Each layer must have ``layer_norm1`` and ``self_attn`` (transformers'
    ``CLIPEncoderLayer``). A pre-hook keeps each layer's input; the rows are
    computed from them when the block exits, outside any gradient-
    checkpointed region (whose recomputation must repeat the forward's
    operations exactly). When ``query_index`` is None nothing is hooked and
    the list stays empty.

    Yields:
        list[Tensor]: Filled on exit with one ``(B, T)`` row per layer.
    """
    rows: List[torch.Tensor] = []
    if query_index is None:
        yield rows
        return
    inputs: List[torch.Tensor] = []

    def keep_input(layer, args, kwargs):
        if len(inputs) < len(layers):  # not again in a recomputation
            inputs.append(args[0] if args else kwargs['hidden_states'])

    handles = [layer.register_forward_pre_hook(keep_input, with_kwargs=True)
               for layer in layers]
    try:
        yield rows
    finally:
        for handle in handles:
            handle.remove()
    rows.extend(
        pooled_token_attention(layer.self_attn, layer.layer_norm1(hidden),
                               query_index, causal)
        for layer, hidden in zip(layers, inputs))
