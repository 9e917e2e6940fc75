"""Implicit relation reasoning (IRRA's MLM head; Jiang & Ye, CVPR 2023)."""
from typing import Dict

import torch
import torch.nn.functional as F
from torch import nn

from amnsfw.registry import LOSSES


class QuickGELU(nn.Module):
    """CLIP's GELU approximation ``x * sigmoid(1.702 x)``."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * torch.sigmoid(1.702 * x)


@LOSSES.register_module()
class MLMLoss(nn.Module):
    r"""Predict a masked caption's hidden words from the paired image.

    The tokens of the masked caption (``mlm_text_tokens``, encoded from the
    batch's ``mlm_ids``) are projected to ``width`` and cross-attend, as
    queries, to the projected image tokens; a ``depth``-layer transformer
    over the text positions and a final LayerNorm give :math:`h_{il}`, and an
    MLP :math:`f` (Linear, QuickGELU, LayerNorm, Linear) scores the
    vocabulary. Over the set :math:`M` of masked positions (``mlm_labels``
    other than ``ignore_index``) with original ids :math:`y_{il}`:

    .. math::
        L = -\frac{1}{|M|}\sum_{(i,l)\in M}
            \log \mathrm{softmax}(f(h_{il}))[y_{il}]

    As in IRRA, the cross-attention output is not added back to its input
    and no padding mask is applied (the batch's ``text_mask`` does not reach
    loss heads; image tokens have no padding). A batch without a masked
    position gives a zero loss that keeps the graph. Also logs ``mlm_acc``,
    the share of masked positions whose top-scored id is the original (0
    without a masked position).

    Args:
        vocab_size (int): Size of the caption vocabulary (filled in by the
            retriever).
        image_width (int): Width of the image tokens (filled in by the
            retriever).
        text_width (int): Width of the text tokens (filled in by the
            retriever).
        width (int): Width of the head. Defaults to 512 (IRRA's).
        depth (int): Transformer layers after the cross-attention.
            Defaults to 4 (IRRA's ``cmt_depth``).
        heads (int): Attention heads of every layer. Defaults to 8.
        weight (float): Factor on the loss. Defaults to 1.0 (IRRA's).
        ignore_index (int): Label of positions that were not masked; must
            match ``MaskCaptionTokens``' label. Defaults to -100.
    """

    #: Scores each pair on its own: under DDP it sees this rank's pairs
    #: (the retriever gathers nothing for it).
    scores_single_pairs = True

    def __init__(self,
                 vocab_size: int,
                 image_width: int,
                 text_width: int,
                 width: int = 512,
                 depth: int = 4,
                 heads: int = 8,
                 weight: float = 1.0,
                 ignore_index: int = -100) -> None:
        super().__init__()
        if width % heads:
            raise ValueError(f'width must be divisible by heads, got '
                             f'width={width} and heads={heads}')
        self.weight = weight
        self.ignore_index = ignore_index
        self.vocab_size = vocab_size
        self.text_proj = nn.Linear(text_width, width)
        self.image_proj = nn.Linear(image_width, width)
        self.text_norm = nn.LayerNorm(width)
        self.image_norm = nn.LayerNorm(width)
        self.cross_attn = nn.MultiheadAttention(width, heads,
                                                batch_first=True)
        self.transformer = nn.Sequential(*(nn.TransformerEncoderLayer(
            width, heads, dim_feedforward=4 * width, dropout=0.0,
            activation='gelu', batch_first=True, norm_first=True)
                                           for _ in range(depth)))
        self.post_norm = nn.LayerNorm(width)
        self.predictor = nn.Sequential(nn.Linear(width, width), QuickGELU(),
                                       nn.LayerNorm(width),
                                       nn.Linear(width, vocab_size))
        self._init_weights(width, depth)

    def _init_weights(self, width: int, depth: int) -> None:
        """IRRA's normal initialisation: std ``width^-1/2`` for attention
        inputs, ``width^-1/2 (2 depth)^-1/2`` for outputs, ``(2 width)^-1/2``
        for the first feed-forward layers."""
        attn_std = width**-0.5
        proj_std = attn_std * (2 * max(depth, 1))**-0.5
        fc_std = (2 * width)**-0.5
        attentions = [self.cross_attn] + [
            layer.self_attn for layer in self.transformer]
        for attention in attentions:
            nn.init.normal_(attention.in_proj_weight, std=attn_std)
            nn.init.normal_(attention.out_proj.weight, std=proj_std)
        for layer in self.transformer:
            nn.init.normal_(layer.linear1.weight, std=fc_std)
            nn.init.normal_(layer.linear2.weight, std=proj_std)
        nn.init.normal_(self.predictor[0].weight, std=fc_std)
        nn.init.normal_(self.predictor[3].weight, std=proj_std)

    def hidden(self, features: Dict[str, torch.Tensor]) -> torch.Tensor:
        """The text positions' states after cross-modal reasoning:
        ``(B, L, width)``."""
        if 'mlm_text_tokens' not in features:
            raise KeyError(
                "MLMLoss needs features['mlm_text_tokens'], got only "
                f'{sorted(features)}: add MaskCaptionTokens to the text '
                'pipeline so the batch carries mlm_ids and mlm_labels')
        text = self.text_norm(self.text_proj(features['mlm_text_tokens']))
        image = self.image_norm(self.image_proj(features['image_tokens']))
        x = self.cross_attn(text, image, image, need_weights=False)[0]
        return self.post_norm(self.transformer(x))

    def logits(self, features: Dict[str, torch.Tensor]) -> torch.Tensor:
        """Vocabulary scores at every text position: ``(B, L, vocab)``."""
        return self.predictor(self.hidden(features))

    def forward(self, features: Dict[str, torch.Tensor]
                ) -> Dict[str, torch.Tensor]:
        hidden = self.hidden(features)
        if 'mlm_labels' not in features:
            raise KeyError(
                "MLMLoss needs features['mlm_labels']: add MaskCaptionTokens "
                'to the text pipeline so the batch carries mlm_ids and '
                'mlm_labels')
        labels = features['mlm_labels']
        if labels.shape != hidden.shape[:2]:
            raise ValueError(
                f'mlm_labels must have the text tokens\' shape '
                f'{tuple(hidden.shape[:2])}, got {tuple(labels.shape)}')
        masked = labels != self.ignore_index
        # Score only the masked positions: the vocabulary layer is the
        # costly part, and the others do not enter the loss.
        logits = self.predictor(hidden[masked]).float()
        targets = labels[masked]
        if targets.numel() == 0:
            # The empty scores still reach every parameter (with zero
            # gradient), which distributed training expects.
            zero = logits.sum() * 0.0
            return dict(loss_mlm=zero, mlm_acc=zero.detach())
        loss = F.cross_entropy(logits, targets)
        accuracy = (logits.argmax(dim=-1) == targets).float().mean()
        return dict(loss_mlm=self.weight * loss, mlm_acc=accuracy.detach())
