"""Image-text contrastive loss (CLIP's InfoNCE; Radford et al., ICML 2021)."""
from typing import Dict

import torch
import torch.nn.functional as F
from torch import nn

from amnsfw.registry import LOSSES
from .sdm_loss import identity_targets
from .temperature import Temperature


@LOSSES.register_module()
class ITCLoss(nn.Module):
    r"""Symmetric InfoNCE with each pair's own partner as the only positive.

    With :math:`S_{ij} = \hat v_i \cdot \hat t_j` and scale :math:`s`:

    .. math::
        L = \frac{1}{2}\left(\frac{1}{B}\sum_i CE(s S_{i\cdot}, i)
          + \frac{1}{B}\sum_j CE(s S_{\cdot j}, j)\right)

    Other pairs of the same person count as negatives, unless
    ``identity_positives``: then the target of row :math:`i` is the identity
    distribution :math:`q_{ij} = y_{ij} / \sum_k y_{ik}` (every pair of the
    same person a positive) and each CE is taken against it; with distinct
    ids in the batch both forms are equal.

    Args:
        weight (float): Factor on the loss. Defaults to 1.0.
        tau (float): Temperature. Defaults to 0.02.
        learnable_tau (bool): Learn the temperature. Defaults to False.
        identity_positives (bool): Count all pairs of the same person as
            positives. Defaults to False (CLIP's form).
    """

    def __init__(self, weight: float = 1.0, tau: float = 0.02,
                 learnable_tau: bool = False,
                 identity_positives: bool = False) -> None:
        super().__init__()
        self.weight = weight
        self.identity_positives = identity_positives
        self.temperature = Temperature(tau, learnable_tau)

    def forward(self, features: Dict[str, torch.Tensor]
                ) -> Dict[str, torch.Tensor]:
        logits = self.temperature.cosine_logits(features['image_embeds'],
                                                features['text_embeds'])
        if self.identity_positives:
            same = identity_targets(features['image_pids'],
                                    features['text_pids'])
            i2t = same / same.sum(dim=1, keepdim=True)
            t2i = same.t() / same.t().sum(dim=1, keepdim=True)
        else:
            i2t = t2i = torch.arange(len(logits), device=logits.device)
        loss = 0.5 * (F.cross_entropy(logits, i2t)
                      + F.cross_entropy(logits.t(), t2i))
        return dict(loss_itc=self.weight * loss)
