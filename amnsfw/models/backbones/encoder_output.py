"""What every image or text encoder returns."""
from typing import NamedTuple, Optional, Sequence

import torch


class EncoderOutput(NamedTuple):
    """The features an encoder computes in one pass.

    Attributes:
        embeds (Tensor): Projected global features, ``(B, D)``.
        tokens (Tensor): Last-layer token states, ``(B, T, width)``.
        attention (Tensor, optional): Attention of the pooled token (image
            CLS, caption EOT) to every token, averaged over heads,
            ``(B, layers, T)``: the last layer, or every layer, when asked
            for; None otherwise. For captions, tokens after the EOT get 0.
    """

    embeds: torch.Tensor
    tokens: torch.Tensor
    attention: Optional[torch.Tensor] = None

    @classmethod
    def from_rows(cls, embeds: torch.Tensor, tokens: torch.Tensor,
                  rows: Sequence[torch.Tensor]) -> 'EncoderOutput':
        """The output whose ``attention`` stacks one ``(B, T)`` row per
        watched layer, in layer order; None when no layer was watched."""
        return cls(embeds, tokens,
                   torch.stack(list(rows), dim=1) if rows else None)


#: The ``attention`` argument of an encoder's forward: which layers' pooled-
#: token attention to return.
ATTENTION_LAYERS = (None, 'last', 'all')


def check_attention_layers(attention: Optional[str]) -> None:
    """Refuse an ``attention`` argument outside :data:`ATTENTION_LAYERS`."""
    if attention not in ATTENTION_LAYERS:
        raise ValueError(f'attention must be one of {ATTENTION_LAYERS}, '
                         f'got {attention!r}')


#: The ``pooling`` argument of an image encoder: its global feature is the
#: class token's state or the mean of the patch tokens' states.
IMAGE_POOLING = ('cls', 'mean')


def check_image_pooling(pooling: str) -> None:
    """Refuse a ``pooling`` argument outside :data:`IMAGE_POOLING`."""
    if pooling not in IMAGE_POOLING:
        raise ValueError(f"pooling must be 'cls' or 'mean', got {pooling!r}")


def pool_image_tokens(states: torch.Tensor, pooling: str) -> torch.Tensor:
    """An image encoder's global token: ``(B, width)`` from its last states
    ``(B, 1 + N, width)``, class token first, pooled as ``pooling`` (one of
    :data:`IMAGE_POOLING`) says."""
    return states[:, 0] if pooling == 'cls' else states[:, 1:].mean(dim=1)
