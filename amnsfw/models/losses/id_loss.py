"""Identity classification (IRRA's ID loss; Zheng et al., TOMM 2020)."""
from typing import Dict

import torch
import torch.nn.functional as F
from torch import nn

from amnsfw.registry import LOSSES


@LOSSES.register_module()
class IDLoss(nn.Module):
    r"""One linear classifier over person ids, shared by both modalities.

    On the unnormalised image and text features :math:`v_i, t_i` with the
    pair's person label :math:`c_i`:

    .. math::
        L = \frac{1}{2}\left(CE(W v_i + b, c_i) + CE(W t_i + b, c_i)\right)

    averaged over the batch.

    Args:
        num_classes (int): Number of training identities.
        embed_dim (int): Feature size.
        weight (float): Factor on the loss. Defaults to 1.0.
    """

    #: Scores each pair on its own: under DDP it sees this rank's pairs
    #: (the retriever gathers nothing for it).
    scores_single_pairs = True

    def __init__(self, num_classes: int, embed_dim: int,
                 weight: float = 1.0) -> None:
        super().__init__()
        self.weight = weight
        self.classifier = nn.Linear(embed_dim, num_classes)

    def forward(self, features: Dict[str, torch.Tensor]
                ) -> Dict[str, torch.Tensor]:
        labels = features['image_pids']
        if labels.max() >= self.classifier.out_features or labels.min() < 0:
            raise ValueError(
                f'person labels span {labels.min().item()}..'
                f'{labels.max().item()}, but IDLoss has num_classes='
                f'{self.classifier.out_features}')
        loss = 0.5 * (
            F.cross_entropy(self.classifier(features['image_embeds']), labels)
            + F.cross_entropy(self.classifier(features['text_embeds']),
                              features['text_pids']))
        return dict(loss_id=self.weight * loss)
