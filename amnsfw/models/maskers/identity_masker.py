"""The default masker: keeps every image token."""
import torch
from torch import nn

from amnsfw.registry import MASKERS


@MASKERS.register_module()
class IdentityMasker(nn.Module):
    """Keep all tokens (no masking); the slot's default.

    A masker maps the embedded image tokens ``(B, 1 + N, width)`` (class
    token first) of a training batch to the tokens the encoder's blocks see.
    """

    def forward(self, tokens: torch.Tensor, inputs: dict) -> torch.Tensor:
        return tokens
