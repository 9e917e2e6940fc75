"""What every image or text encoder returns."""
from typing import NamedTuple, Optional

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


#: The ``attention`` argument of an encoder's forward: which layers' pooled-
#: token attention to return.
ATTENTION_LAYERS = (None, 'last', 'all')


def check_attention_layers(attention: Optional[str]) -> None:
    """Refuse an ``attention`` argument outside :data:`ATTENTION_LAYERS`."""
    if attention not in ATTENTION_LAYERS:
        raise ValueError(f'attention must be one of {ATTENTION_LAYERS}, '
                         f'got {attention!r}')
