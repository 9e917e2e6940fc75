"""Image-text contrastive loss (CLIP's InfoNCE; Radford et al., ICML 2021)."""
from typing import Dict

import torch
import torch.nn.functional as F
from torch import nn

from amnsfw.registry import LOSSES
from .temperature import Temperature


@LOSSES.register_module()
class ITCLoss(nn.Module):
    r"""Symmetric InfoNCE with each pair's own partner as the only positive.

    With :math:`S_{ij} = \hat v_i \cdot \hat t_j` and scale :math:`s`:

    .. math::
        L = \frac{1}{2}\left(\frac{1}{B}\sum_i CE(s S_{i\cdot}, i)
          + \frac{1}{B}\sum_j CE(s S_{\cdot j}, j)\right)

    Other pairs of the same person count as negatives (unlike SDM).

    Args:
        weight (float): Factor on the loss. Defaults to 1.0.
        tau (float): Temperature. Defaults to 0.02.
        learnable_tau (bool): Learn the temperature. Defaults to False.
    """

    def __init__(self, weight: float = 1.0, tau: float = 0.02,
                 learnable_tau: bool = False) -> None:
        super().__init__()
        self.weight = weight
        self.temperature = Temperature(tau, learnable_tau)

    def forward(self, features: Dict[str, torch.Tensor]) -> Dict[str, torch.Tensor]:
        image = F.normalize(features['image_embeds'], dim=-1)
        text = F.normalize(features['text_embeds'], dim=-1)
        logits = self.temperature() * image @ text.t()
        targets = torch.arange(len(logits), device=logits.device)
        loss = 0.5 * (F.cross_entropy(logits, targets)
                      + F.cross_entropy(logits.t(), targets))
        return dict(loss_itc=self.weight * loss)
