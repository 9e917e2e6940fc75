"""Weight-adjustment focal loss on the positive mass (AMNS, our
interpretation)."""
from typing import Dict, Optional

import torch
from torch import nn

from amnsfw.plugin_api import Temperature, identity_logits
from .bidirectional_sdm_loss import pair_weights

WEIGHTINGS = ('uniform', 'normalized')


def positive_log_mass(logits: torch.Tensor,
                      positives: torch.Tensor) -> torch.Tensor:
    """``log p+_i = log sum_{j: y_ij = 1} softmax(logits_i)_j``, ``(B,)``.

    Computed as ``logsumexp`` over the positives minus ``logsumexp`` over
    the row (finite at any similarity), clamped to ``<= 0`` against
    rounding. Every row needs a positive.
    """
    over_positives = logits.masked_fill(~positives,
                                        float('-inf')).logsumexp(dim=1)
    return (over_positives - logits.logsumexp(dim=1)).clamp(max=0)


class WAFLoss(nn.Module):
    r"""Weight-adjustment focal loss on the mass each anchor puts on its
    positives.

    With :math:`S_{ij} = \hat v_i \cdot \hat t_j`,
    :math:`p_i = \mathrm{softmax}_j(s S_{ij})` and
    :math:`p^+_i = \sum_{j: y_{ij}=1} p_{ij}`:

    .. math::
        L = \sum_{dir \in \{i2t, t2i\}} \frac{1}{B}\sum_i
            w_i (1 - p^+_i)^\gamma (-\log p^+_i)

    (t2i on :math:`S^T`). With :math:`\gamma = 0` and uniform weights it is
    the cross-entropy on the positive mass. AMNS (Zhang & Zhou, 2025, arXiv
    2409.06385) names WAF; the weighting is our interpretation of its
    "weight adjustment":

    * ``'uniform'``: :math:`w_i = 1`, the plain focal loss.
    * ``'normalized'``: the focal factors :math:`f_i = (1 - p^+_i)^\gamma`
      are divided by their batch mean and detached, so
      :math:`L = \frac{1}{B}\sum_i \frac{f_i}{\mathrm{mean}_k f_k}
      (-\log p^+_i)` per direction: a cross-entropy of the same scale whose
      weight moves onto the hard anchors.

    If the features carry ``pair_weights`` ``(B,)`` (e.g. clean labels from
    a hook), image ``i``'s row and caption ``i``'s row are also multiplied
    by ``w_i`` (still divided by ``B``; the normalised factors keep their
    mean over the whole batch): a weight of 0 removes the pair as an
    anchor.

    Args:
        gamma (float): Focusing exponent :math:`\gamma \ge 0`.
            Defaults to 2.0.
        weighting (str): ``'uniform'`` or ``'normalized'``.
            Defaults to ``'uniform'``.
        tau (float): Temperature. Defaults to 0.02.
        learnable_tau (bool): Learn the temperature. Defaults to False.
        weight (float): Factor on the loss. Defaults to 1.0.
    """

    def __init__(self, gamma: float = 2.0, weighting: str = 'uniform',
                 tau: float = 0.02, learnable_tau: bool = False,
                 weight: float = 1.0) -> None:
        super().__init__()
        if not gamma >= 0:  # also refuses NaN
            raise ValueError(f'gamma must be >= 0, got {gamma}')
        if weighting not in WEIGHTINGS:
            raise ValueError(f'weighting must be one of {WEIGHTINGS}, got '
                             f'{weighting!r}')
        self.gamma = gamma
        self.weighting = weighting
        self.weight = weight
        self.temperature = Temperature(tau, learnable_tau)

    def forward(self, features: Dict[str, torch.Tensor]
                ) -> Dict[str, torch.Tensor]:
        logits, targets = identity_logits(self.temperature, features)
        positives = targets.bool()
        weights = pair_weights(features, len(logits))
        loss = (self._direction(logits, positives, weights)
                + self._direction(logits.t(), positives.t(), weights))
        return dict(loss_waf=self.weight * loss)

    def _direction(self, logits: torch.Tensor, positives: torch.Tensor,
                   weights: Optional[torch.Tensor]) -> torch.Tensor:
        """The loss of one retrieval direction (rows are the anchors)."""
        log_mass = positive_log_mass(logits, positives)
        focal = (-torch.expm1(log_mass)).pow(self.gamma)
        if self.weighting == 'normalized':
            tiny = torch.finfo(focal.dtype).tiny
            focal = (focal / focal.mean().clamp(min=tiny)).detach()
        rows = -focal * log_mass
        if weights is not None:
            rows = weights * rows
        return rows.mean()
