"""Bidirectional similarity distribution matching (AMNS, our reading)."""
from typing import Dict, Optional

import torch
import torch.nn.functional as F
from torch import nn

from amnsfw.plugin_api import (Temperature, identity_logits, matching_kl,
                               weighted_mean)


def inverse_matching_kl(logits: torch.Tensor, targets: torch.Tensor,
                        weights: Optional[torch.Tensor] = None
                        ) -> torch.Tensor:
    """``(1/B) sum_i w_i KL(q_i || p_i)``, the reverse of
    :func:`~amnsfw.plugin_api.matching_kl`.

    ``p_i = softmax(logits_i)``, ``q_i = y_i / sum_k y_ik``; the sum runs
    over ``q_ij > 0`` (``0 log 0 = 0``, no epsilon) and ``log p`` comes from
    ``log_softmax``, so it stays finite at any similarity.
    """
    q = targets / targets.sum(dim=1, keepdim=True)
    log_p = F.log_softmax(logits, dim=1)
    return weighted_mean((torch.xlogy(q, q) - q * log_p).sum(dim=1), weights)


def pair_weights(features: Dict[str, torch.Tensor],
                 batch_size: int) -> Optional[torch.Tensor]:
    """The batch's optional per-pair weights ``(B,)``, checked; None if the
    features have none."""
    weights = features.get('pair_weights')
    if weights is not None and tuple(weights.shape) != (batch_size, ):
        raise ValueError(f'pair_weights must have shape ({batch_size},), one '
                         f'per pair, got {tuple(weights.shape)}')
    return weights


class BSDMLoss(nn.Module):
    r"""Bidirectional SDM: SDM's KL plus the reverse KL, both directions.

    With L2-normalised features, :math:`S_{ij} = \hat v_i \cdot \hat t_j`,
    :math:`p_i = \mathrm{softmax}_j(s S_{ij})` and the identity distribution
    :math:`q_{ij} = y_{ij} / \sum_k y_{ik}`:

    .. math::
        L = \sum_{dir \in \{i2t, t2i\}} \frac{1}{B}\sum_i
            \left[\alpha\, KL(p_i \| q_i) + \beta\, KL(q_i \| p_i)\right]

    (t2i on :math:`S^T`). The forward term is IRRA's SDM (``log(q + eps)``),
    so ``alpha=1, beta=0`` is :class:`~amnsfw.models.losses.SDMLoss`
    exactly. The reverse term, a cross-entropy against :math:`q` minus its
    entropy, pulls probability onto every positive, the mislabelled ones
    included: unlike the forward term it is unbounded, and on SynthPEDES
    at 50 % noise it is what makes the model memorise the noisy pairs
    (docs/benchmarks.md, "AMNS's parts"). AMNS
    (Zhang & Zhou, 2025, arXiv 2409.06385) names BSDM; its equation here is
    our interpretation.

    If the features carry ``pair_weights`` ``(B,)`` (e.g. clean labels from
    a hook), both terms of image ``i``'s row and caption ``i``'s row are
    multiplied by ``w_i`` and still divided by ``B``: a weight of 0 removes
    the pair as an anchor (it stays a negative for the others).

    Args:
        alpha (float): Factor on the forward term ``KL(p || q)``.
            Defaults to 1.0.
        beta (float): Factor on the reverse term ``KL(q || p)``.
            Defaults to 1.0.
        tau (float): Temperature. Defaults to 0.02.
        learnable_tau (bool): Learn the temperature. Defaults to False.
        weight (float): Factor on the loss. Defaults to 1.0.
        eps (float): Added to ``q`` inside the forward term's log.
            Defaults to 1e-8.
    """

    def __init__(self, alpha: float = 1.0, beta: float = 1.0,
                 tau: float = 0.02, learnable_tau: bool = False,
                 weight: float = 1.0, eps: float = 1e-8) -> None:
        super().__init__()
        if alpha < 0 or beta < 0 or alpha + beta == 0:
            raise ValueError('alpha and beta must be >= 0 and not both 0, '
                             f'got alpha={alpha}, beta={beta}')
        self.alpha = alpha
        self.beta = beta
        self.weight = weight
        self.eps = eps
        self.temperature = Temperature(tau, learnable_tau)

    def forward(self, features: Dict[str, torch.Tensor]
                ) -> Dict[str, torch.Tensor]:
        logits, targets = identity_logits(self.temperature, features)
        weights = pair_weights(features, len(logits))
        loss = (self._direction(logits, targets, weights)
                + self._direction(logits.t(), targets.t(), weights))
        return dict(loss_bsdm=self.weight * loss,
                    bsdm_scale=self.temperature().detach())

    def _direction(self, logits: torch.Tensor, targets: torch.Tensor,
                   weights: Optional[torch.Tensor]) -> torch.Tensor:
        """Both terms of one retrieval direction (rows are the anchors)."""
        return (self.alpha * matching_kl(logits, targets, self.eps, weights)
                + self.beta * inverse_matching_kl(logits, targets, weights))
