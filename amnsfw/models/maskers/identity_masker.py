"""The default masker: keeps every image token."""
import torch
from torch import nn

from amnsfw.registry import MASKERS


@MASKERS.register_module()
class IdentityMasker(nn.Module):
    """Keep all tokens (no masking); the slot's default.

    A masker is called on a training batch as ``masker(tokens, images,
    text_embeds)``: the embedded image tokens ``(B, 1 + N, width)`` (class
    token first, positions added), the batch's images and its captions'
    global features. It returns the tokens the image encoder's blocks see,
    class token first. It is never called at evaluation.
    """

    def forward(self, tokens: torch.Tensor, images: torch.Tensor,
                text_embeds: torch.Tensor) -> torch.Tensor:
        return tokens
