"""Triplet alignment loss (RDE; Qin et al., CVPR 2024) and two baselines."""
from typing import Dict, Optional

import torch
import torch.nn.functional as F
from torch import nn

from amnsfw.plugin_api import identity_targets

#: The per-sample objectives RDE offers (``--loss_names``).
VARIANTS = ('tal', 'trl', 'infonce')
#: How per-pair losses become the batch loss.
REDUCTIONS = ('sum', 'mean')
#: RDE's reduction of each variant (``objectives.compute_rbs``).
RDE_REDUCTION = dict(tal='sum', trl='sum', infonce='mean')


def _positive_weighted_similarity(sims: torch.Tensor, positives: torch.Tensor,
                                  tau: float) -> torch.Tensor:
    """``sum_j alpha_ij S_ij`` with ``alpha_i = softmax`` over the positives
    of ``S_i / tau``, ``alpha`` detached: ``(B,)``."""
    alpha = (sims / tau).masked_fill(~positives, float('-inf')).softmax(dim=1)
    return (alpha.detach() * sims).sum(dim=1)


def _over_negatives(values: torch.Tensor, positives: torch.Tensor,
                    reduce) -> torch.Tensor:
    """``reduce`` over each row's negatives, and whether the row has any.

    A row without negatives is reduced over zeros instead, so its (unused)
    value and gradient stay finite.
    """
    has_negative = (~positives).any(dim=1)
    masked = values.masked_fill(positives, float('-inf'))
    safe = torch.where(has_negative.unsqueeze(1), masked,
                       torch.zeros_like(values))
    return reduce(safe), has_negative


def triplet_alignment(sims: torch.Tensor, positives: torch.Tensor,
                      tau: float, margin: float) -> torch.Tensor:
    """TAL of each anchor (row) of ``sims``: ``(B,)``; 0 without negatives."""
    positive = _positive_weighted_similarity(sims, positives, tau)
    negative, has_negative = _over_negatives(
        sims / tau, positives, lambda x: tau * torch.logsumexp(x, dim=1))
    loss = (margin - positive + negative).clamp(min=0)
    return torch.where(has_negative, loss, torch.zeros_like(loss))


def triplet_ranking(sims: torch.Tensor, positives: torch.Tensor, tau: float,
                    margin: float) -> torch.Tensor:
    """Hardest-negative triplet ranking loss of each anchor: ``(B,)``."""
    positive = _positive_weighted_similarity(sims, positives, tau)
    negative, has_negative = _over_negatives(
        sims, positives, lambda x: x.max(dim=1).values)
    loss = (margin - positive + negative).clamp(min=0)
    return torch.where(has_negative, loss, torch.zeros_like(loss))


class TALLoss(nn.Module):
    r"""Triplet alignment loss of RDE, with TRL and InfoNCE as options.

    Qin et al., "Noisy-Correspondence Learning for Text-to-Image Person
    Re-identification", CVPR 2024. With L2-normalised features,
    :math:`S_{ij} = \hat v_i \cdot \hat t_j`, :math:`y_{ij} = 1` for pairs
    of the same person, and for an anchor :math:`i` (an image against all
    captions, then a caption against all images):

    .. math::
        \alpha_{ij} = \frac{y_{ij} e^{S_{ij}/\tau}}
                           {\sum_k y_{ik} e^{S_{ik}/\tau}}
        \quad(\text{no gradient}),\qquad
        P_i = \sum_j \alpha_{ij} S_{ij}

    .. math::
        \mathrm{TAL}_i = \Big[m - P_i
            + \tau \log \sum_{j: y_{ij}=0} e^{S_{ij}/\tau}\Big]_+

    ``'trl'`` replaces the log-sum-exp by the hardest negative,
    :math:`[m - P_i + \max_{j: y_{ij}=0} S_{ij}]_+`: since
    :math:`\tau \log\sum e^{x/\tau} \ge \max x`, TAL bounds TRL from above
    and tends to it as :math:`\tau \to 0` (RDE's code takes the maximum of
    :math:`(1 - y_{ij}) S_{ij}`, which floors it at 0; this is the maximum
    over the negatives). An anchor without negatives contributes 0.
    ``'infonce'`` is CLIP's symmetric cross-entropy with each pair's own
    partner as the only positive,
    :math:`\frac12[-\log \mathrm{softmax}_j(S_{ij}/\tau)_i
    - \log \mathrm{softmax}_j(S_{ji}/\tau)_i]` (RDE halves it, and uses
    ``tau = 0.02`` for it).

    Pair :math:`i`'s loss :math:`\ell_i` is the sum of its image's and its
    caption's terms. With per-pair weights :math:`w_i` (``pair_weights``
    among the features, from ``ConsensusDivisionHook``: 1 trains on the
    pair, 0 drops it) the batch loss is :math:`\sum_i w_i \ell_i` (``'sum'``,
    RDE's for TAL and TRL) or :math:`\sum_i w_i \ell_i / \sum_i w_i`
    (``'mean'``, RDE's for InfoNCE; 0 when every weight is 0).

    Args:
        embedding (str): Which features: ``'global'`` reads
            ``image_embeds`` / ``text_embeds``; another name ``n`` reads an
            embedding head's ``image_embeds_n`` / ``text_embeds_n``.
            Defaults to ``'global'``.
        tau (float): Temperature :math:`\tau`. Defaults to 0.015 (RDE).
        margin (float): Margin :math:`m` (TAL and TRL). Defaults to 0.1
            (RDE).
        weight (float): Factor on the loss. Defaults to 1.0.
        variant (str): ``'tal'``, ``'trl'`` or ``'infonce'``. Defaults to
            ``'tal'``.
        reduction (str, optional): ``'sum'`` or ``'mean'`` over the batch.
            Defaults to None: RDE's, ``'sum'`` for TAL and TRL, ``'mean'``
            for InfoNCE.
    """

    def __init__(self,
                 embedding: str = 'global',
                 tau: float = 0.015,
                 margin: float = 0.1,
                 weight: float = 1.0,
                 variant: str = 'tal',
                 reduction: Optional[str] = None) -> None:
        super().__init__()
        if variant not in VARIANTS:
            raise ValueError(f'variant must be one of {VARIANTS}, got '
                             f'{variant!r}')
        reduction = RDE_REDUCTION[variant] if reduction is None else reduction
        if reduction not in REDUCTIONS:
            raise ValueError(f'reduction must be one of {REDUCTIONS} or None, '
                             f'got {reduction!r}')
        if not tau > 0:
            raise ValueError(f'tau must be positive, got {tau}')
        self.embedding = embedding
        self.tau = tau
        self.margin = margin
        self.weight = weight
        self.variant = variant
        self.reduction = reduction
        suffix = '' if embedding == 'global' else f'_{embedding}'
        self.image_key = f'image_embeds{suffix}'
        self.text_key = f'text_embeds{suffix}'
        #: Name of the loss term; distinct per variant and embedding, so
        #: several heads can coexist.
        self.term = f'loss_{variant}_{embedding}'

    def per_pair_loss(self, features: Dict[str, torch.Tensor]) -> torch.Tensor:
        """Unweighted loss of each pair, both directions summed: ``(B,)``
        (InfoNCE: averaged, as RDE does)."""
        for key in (self.image_key, self.text_key):
            if key not in features:
                raise KeyError(
                    f'{type(self).__name__}(embedding={self.embedding!r}) '
                    f'needs features[{key!r}]; the features have '
                    f'{sorted(features)}')
        image = F.normalize(features[self.image_key].float(), dim=-1)
        text = F.normalize(features[self.text_key].float(), dim=-1)
        sims = image @ text.t()
        if self.variant == 'infonce':
            targets = torch.arange(len(sims), device=sims.device)
            logits = sims / self.tau
            return 0.5 * (
                F.cross_entropy(logits, targets, reduction='none')
                + F.cross_entropy(logits.t(), targets, reduction='none'))
        positives = identity_targets(features['image_pids'],
                                     features['text_pids']).bool()
        anchor_loss = (triplet_alignment if self.variant == 'tal' else
                       triplet_ranking)
        return (anchor_loss(sims, positives, self.tau, self.margin)
                + anchor_loss(sims.t(), positives.t(), self.tau, self.margin))

    def forward(self, features: Dict[str, torch.Tensor]
                ) -> Dict[str, torch.Tensor]:
        losses = self.per_pair_loss(features)
        weights = features.get('pair_weights')
        if weights is None:
            loss = losses.sum() if self.reduction == 'sum' else losses.mean()
        else:
            weights = weights.to(losses)
            loss = (weights * losses).sum()
            if self.reduction == 'mean':
                loss = loss / weights.sum().clamp(
                    min=torch.finfo(loss.dtype).tiny)
        return {self.term: self.weight * loss}
