"""Similarity distribution matching (IRRA, Jiang & Ye, CVPR 2023)."""
from typing import Dict, Optional, Tuple

import torch
import torch.nn.functional as F
from torch import nn

from amnsfw.registry import LOSSES
from .temperature import Temperature


def identity_targets(image_pids: torch.Tensor,
                     text_pids: torch.Tensor) -> torch.Tensor:
    """``y_ij = 1`` where image i and caption j share a person id, else 0."""
    return (image_pids.view(-1, 1) == text_pids.view(1, -1)).float()


def identity_logits(
    temperature: Temperature, features: Dict[str, torch.Tensor]
) -> Tuple[torch.Tensor, torch.Tensor]:
    """The batch's scaled cosine similarities ``s S`` (images as rows,
    captions as columns) and their identity targets ``y``, both ``(B, B)``,
    from the features' ``image_embeds``, ``text_embeds``, ``image_pids`` and
    ``text_pids``."""
    logits = temperature.cosine_logits(features['image_embeds'],
                                       features['text_embeds'])
    return logits, identity_targets(features['image_pids'],
                                    features['text_pids'])


def weighted_mean(rows: torch.Tensor,
                  weights: Optional[torch.Tensor] = None) -> torch.Tensor:
    """``(1/B) sum_i w_i rows_i``; the plain mean when ``weights`` is None."""
    return rows.mean() if weights is None else (weights * rows).mean()


def matching_kl(logits: torch.Tensor, targets: torch.Tensor,
                eps: float = 1e-8,
                weights: Optional[torch.Tensor] = None) -> torch.Tensor:
    """``(1/B) sum_i w_i KL(p_i || q_i)``, ``p_i = softmax(logits_i)``,
    ``q_i = y_i / sum_k y_ik`` (``log(q + eps)`` keeps zero targets finite),
    ``w_i = 1`` unless row ``weights`` are given."""
    q = targets / targets.sum(dim=1, keepdim=True)
    log_p = F.log_softmax(logits, dim=1)
    return weighted_mean(
        (log_p.exp() * (log_p - torch.log(q + eps))).sum(dim=1), weights)


@LOSSES.register_module()
class SDMLoss(nn.Module):
    r"""Similarity distribution matching.

    With L2-normalised features, :math:`S_{ij} = \hat v_i \cdot \hat t_j`,
    :math:`p_i = \mathrm{softmax}_j(s S_{ij})` and the identity distribution
    :math:`q_{ij} = y_{ij} / \sum_k y_{ik}`:

    .. math::
        L = \frac{1}{B}\sum_i KL(p_i \| q_i)
          + \frac{1}{B}\sum_j KL(p^{t2i}_j \| q^{t2i}_j)

    the second term the same for captions against images (``S^T``).

    Args:
        weight (float): Factor on the loss. Defaults to 1.0.
        tau (float): Temperature (IRRA fixes 0.02). Defaults to 0.02.
        learnable_tau (bool): Learn the temperature. Defaults to False.
        eps (float): Added to ``q`` inside the log. Defaults to 1e-8.
    """

    def __init__(self, weight: float = 1.0, tau: float = 0.02,
                 learnable_tau: bool = False, eps: float = 1e-8) -> None:
        super().__init__()
        self.weight = weight
        self.eps = eps
        self.temperature = Temperature(tau, learnable_tau)

    def forward(self, features: Dict[str, torch.Tensor]
                ) -> Dict[str, torch.Tensor]:
        logits, targets = identity_logits(self.temperature, features)
        loss = (matching_kl(logits, targets, self.eps)
                + matching_kl(logits.t(), targets.t(), self.eps))
        return dict(loss_sdm=self.weight * loss,
                    sdm_scale=self.temperature().detach())
