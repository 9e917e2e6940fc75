"""Random token dropping: the baseline of attention-weighted masking."""
import torch
from torch import nn

from amnsfw.registry import MASKERS


@MASKERS.register_module()
class RandomTokenMasker(nn.Module):
    """Keep a uniformly random subset of each image's patches in training.

    Called as ``masker(tokens, images, text_embeds)`` on the embedded tokens
    ``(B, 1 + N, width)`` (class token first; see
    :class:`~amnsfw.models.maskers.IdentityMasker`). In training mode it
    returns the class token and ``k = N - round(N * mask_ratio)`` (at least
    one) patches per sample, drawn without replacement, independently per
    sample, in their original order; the rest are removed before the
    transformer blocks. In eval mode it returns the tokens unchanged.

    Args:
        mask_ratio (float): Fraction of patches dropped, in ``[0, 1)``.
            Defaults to 0.5.
    """

    def __init__(self, mask_ratio: float = 0.5) -> None:
        super().__init__()
        if not 0 <= mask_ratio < 1:
            raise ValueError(f'mask_ratio must be in [0, 1), got {mask_ratio}')
        self.mask_ratio = mask_ratio

    def forward(self, tokens: torch.Tensor, images: torch.Tensor,
                text_embeds: torch.Tensor) -> torch.Tensor:
        if not self.training:
            return tokens
        batch, length, width = tokens.shape
        patches = length - 1
        keep = max(1, patches - round(patches * self.mask_ratio))
        chosen = torch.rand(batch, patches, device=tokens.device).argsort(
            dim=1)[:, :keep].sort(dim=1).values + 1
        cls = chosen.new_zeros(batch, 1)
        index = torch.cat([cls, chosen], dim=1)
        return tokens.gather(1, index.unsqueeze(-1).expand(-1, -1, width))
