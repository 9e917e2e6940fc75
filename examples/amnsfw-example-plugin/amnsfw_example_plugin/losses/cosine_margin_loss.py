"""Contrastive loss with an additive cosine margin on the positives."""
from typing import Dict

import torch
import torch.nn.functional as F
from torch import nn

from amnsfw.plugin_api import Temperature


class CosineMarginLoss(nn.Module):
    r"""Symmetric InfoNCE whose positive must win by a cosine margin.

    CosFace's large margin cosine loss (Wang et al., CVPR 2018) over the
    batch's image-caption similarities: with :math:`S_{ij} = \hat v_i \cdot
    \hat t_j`, scale :math:`s = 1 / \tau` and margin :math:`m` subtracted
    from each pair's own similarity,

    .. math::
        \ell_i = -\log\frac{e^{s (S_{ii} - m)}}
            {e^{s (S_{ii} - m)} + \sum_{j \ne i} e^{s S_{ij}}},
        \qquad
        L = \frac{1}{2}\left(\frac{1}{B}\sum_i \ell_i
          + \frac{1}{B}\sum_j \ell^{t2i}_j\right)

    the second term the same over captions (:math:`S^\top`). With
    :math:`m = 0` it is CLIP's contrastive loss (amnsfw's ``ITCLoss``).

    Args:
        margin (float): Cosine margin :math:`m`, at least 0. Defaults to
            0.1.
        tau (float): Temperature. Defaults to 0.02.
        learnable_tau (bool): Learn the temperature. Defaults to False.
        weight (float): Factor on the loss. Defaults to 1.0.
    """

    def __init__(self,
                 margin: float = 0.1,
                 tau: float = 0.02,
                 learnable_tau: bool = False,
                 weight: float = 1.0) -> None:
        super().__init__()
        if margin < 0:
            raise ValueError(f'margin must be >= 0, got {margin}')
        self.margin = margin
        self.weight = weight
        self.temperature = Temperature(tau, learnable_tau)

    def forward(self,
                features: Dict[str, torch.Tensor]) -> Dict[str, torch.Tensor]:
        logits = self.temperature.cosine_logits(features['image_embeds'],
                                                features['text_embeds'])
        targets = torch.arange(len(logits), device=logits.device)
        logits = logits - self.temperature() * self.margin * torch.eye(
            len(logits), device=logits.device, dtype=logits.dtype)
        loss = 0.5 * (F.cross_entropy(logits, targets)
                      + F.cross_entropy(logits.t(), targets))
        return dict(loss_cosine_margin=self.weight * loss)
