"""AMNS's attention-weighted selective mask, after A-CLIP."""
import copy
from typing import List, Optional, Tuple

import torch
import torch.nn.functional as F
from torch import nn

#: How a patch is scored: the EMA encoder's CLS attention, or the similarity
#: of its projected patch token to the paired caption.
SCORES = ('attention', 'text')
#: Which layers' CLS attention the ``'attention'`` score averages.
ATTENTION_LAYERS = ('last', 'all')
#: Which patches are dropped: the lowest-scored (keep the salient ones, as
#: A-CLIP does) or the highest-scored (hide the salient ones).
DROPS = ('lowest', 'highest')


class AttentionWeightedMasker(nn.Module):
    r"""Keep the patches an EMA copy of the image encoder finds salient.

    AMNS's AWM, in our interpretation (the paper's body was not available;
    see ``plugins/amns/README.md``). An exponential moving average of the
    online image encoder, without gradient, sees the full image and scores
    each of its N patches:

    - ``'attention'``: the CLS token's attention to the patch, averaged over
      heads (by the encoder) and over the ``attention_layers``;
    - ``'text'``: the cosine similarity of the patch's last-layer token,
      projected as the encoder projects its pooled token (its
      ``post_layernorm``, when it has one, then its ``projection``), to the
      paired caption's global feature (detached).

    The online tokens keep the class token and the
    :math:`k = \max(1, N - \mathrm{round}(N \cdot r))` highest-scored
    patches (``drop='lowest'``) or the k lowest-scored (``drop='highest'``)
    (Python's ``round``, half to even; ties as ``torch.topk`` breaks them),
    in their original order; the rest are dropped before the online
    encoder's transformer blocks. The online tokens already carry their
    position embeddings, so the kept ones keep their place in the grid. At
    evaluation the tokens pass unchanged.

    The EMA weights follow :math:`\theta_{ema} \leftarrow m\,\theta_{ema} +
    (1 - m)\,\theta` through :meth:`update_ema`, called after each
    optimiser step by ``EMAMomentumHook``. They and the current momentum are
    part of the state dict, so checkpoints save and resume them. The EMA
    encoder always runs in eval mode (no dropout, no gradient
    checkpointing, which is useless without gradients).

    Args:
        image_encoder (nn.Module): The online image encoder (the retriever
            passes it); it is deep-copied, never kept. Any encoder with
            :class:`~amnsfw.models.backbones.CLIPImageEncoder`'s
            ``forward(images, token_filter, attention)``; the ``'text'``
            score also needs its ``projection`` (and applies its
            ``post_layernorm`` first, if any: ``MMPretrainViTEncoder``
            returns tokens already normed and has none).
        mask_ratio (float): Share of the patches dropped, in ``[0, 1)``.
            Defaults to 0.5.
        score (str): ``'attention'`` or ``'text'``. Defaults to
            ``'attention'``.
        attention_layers (str): CLS attention of the ``'last'`` layer or
            the mean over ``'all'`` layers (``'attention'`` score only).
            Defaults to ``'last'``.
        drop (str): Drop the ``'lowest'``-scored patches (keep the salient
            ones) or the ``'highest'``-scored. Defaults to ``'lowest'``.
        momentum (float): Initial EMA momentum, in ``[0, 1]``; the hook's
            schedule overwrites it. Defaults to 0.996.
    """

    def __init__(self,
                 image_encoder: nn.Module,
                 mask_ratio: float = 0.5,
                 score: str = 'attention',
                 attention_layers: str = 'last',
                 drop: str = 'lowest',
                 momentum: float = 0.996) -> None:
        super().__init__()
        if not 0 <= mask_ratio < 1:
            raise ValueError(f'mask_ratio must be in [0, 1), got {mask_ratio}')
        if score not in SCORES:
            raise ValueError(f'score must be one of {SCORES}, got {score!r}')
        if attention_layers not in ATTENTION_LAYERS:
            raise ValueError(f'attention_layers must be one of '
                             f'{ATTENTION_LAYERS}, got {attention_layers!r}')
        if drop not in DROPS:
            raise ValueError(f'drop must be one of {DROPS}, got {drop!r}')
        if not 0 <= momentum <= 1:
            raise ValueError(f'momentum must be in [0, 1], got {momentum}')
        if score == 'text' and not hasattr(image_encoder, 'projection'):
            raise TypeError(
                "score='text' projects patch tokens with the image encoder's "
                f'projection; {type(image_encoder).__name__} has none')
        self.mask_ratio = mask_ratio
        self.score = score
        self.attention_layers = attention_layers
        self.drop = drop
        self.ema_encoder = copy.deepcopy(image_encoder).requires_grad_(False)
        self.ema_encoder.eval()
        self.register_buffer('momentum', torch.tensor(float(momentum)))

    def train(self, mode: bool = True) -> 'AttentionWeightedMasker':
        """Switch the masker's mode; the EMA encoder stays in eval mode."""
        super().train(mode)
        self.ema_encoder.eval()
        return self

    def kept_patches(self, num_patches: int) -> int:
        """How many of ``num_patches`` patches the online encoder keeps."""
        return max(1, num_patches - round(num_patches * self.mask_ratio))

    @torch.no_grad()
    def patch_scores(self, images: torch.Tensor,
                     text_embeds: Optional[torch.Tensor]) -> torch.Tensor:
        """The EMA encoder's score of every patch of ``images``, ``(B, N)``."""
        if self.score == 'attention':
            attention = self.ema_encoder(
                images, attention=self.attention_layers).attention
            if attention is None:
                raise ValueError(
                    f'{type(self.ema_encoder).__name__} returned no attention '
                    f'for attention={self.attention_layers!r}; the '
                    "'attention' score needs the CLS attention rows")
            return attention[..., 1:].float().mean(dim=1)
        if text_embeds is None:
            raise ValueError("score='text' needs the captions' text_embeds, "
                             'got None')
        tokens = self.ema_encoder(images).tokens[:, 1:]
        norm = getattr(self.ema_encoder, 'post_layernorm', None)
        patches = self.ema_encoder.projection(
            tokens if norm is None else norm(tokens))
        if patches.shape[-1] != text_embeds.shape[-1]:
            raise ValueError(
                f'projected patch tokens have {patches.shape[-1]} dims, '
                f'text_embeds {text_embeds.shape[-1]}: they must share one '
                'space')
        return torch.einsum('bnd,bd->bn',
                            F.normalize(patches.float(), dim=-1),
                            F.normalize(text_embeds.detach().float(), dim=-1))

    def forward(self, tokens: torch.Tensor, images: torch.Tensor,
                text_embeds: Optional[torch.Tensor] = None) -> torch.Tensor:
        """Keep the class token and the patches of ``tokens`` that the
        ``drop`` rule keeps.

        Args:
            tokens (Tensor): The online encoder's embedded tokens,
                ``(B, 1 + N, width)``, class token first, positions added.
            images (Tensor): The batch's images, ``(B, 3, H, W)``.
            text_embeds (Tensor, optional): The paired captions' global
                features, ``(B, D)``; needed by the ``'text'`` score.
                Defaults to None.

        Returns:
            Tensor: ``(B, 1 + k, width)`` in training; ``tokens`` itself in
            eval mode.
        """
        if not self.training:
            return tokens
        batch, length, width = tokens.shape
        keep = self.kept_patches(length - 1)
        scores = self.patch_scores(images, text_embeds)
        if scores.shape != (batch, length - 1):
            raise ValueError(
                f'the EMA encoder scored {tuple(scores.shape)} patches; the '
                f'online tokens have {(batch, length - 1)} (batch, patches)')
        chosen = scores.topk(keep, dim=1, largest=self.drop == 'lowest')
        kept = chosen.indices.sort(dim=1).values + 1
        kept = torch.cat([kept.new_zeros(batch, 1), kept], dim=1)
        return tokens.gather(1, kept.unsqueeze(-1).expand(-1, -1, width))

    @torch.no_grad()
    def update_ema(self, online_encoder: nn.Module, momentum: float) -> None:
        r"""One EMA step: :math:`\theta_{ema} \leftarrow m\,\theta_{ema} +
        (1 - m)\,\theta` for every parameter; buffers are copied.

        Args:
            online_encoder (nn.Module): The online image encoder.
            momentum (float): ``m``, in ``[0, 1]``.
        """
        if not 0 <= momentum <= 1:
            raise ValueError(f'momentum must be in [0, 1], got {momentum}')
        for ema, online in self._paired_parameters(online_encoder):
            ema.mul_(momentum).add_(online.detach(), alpha=1 - momentum)
        self._copy_buffers(online_encoder)
        self.momentum.fill_(momentum)

    @torch.no_grad()
    def reset_ema(self, online_encoder: nn.Module) -> None:
        """Copy the online encoder's parameters and buffers into the EMA.

        Args:
            online_encoder (nn.Module): The online image encoder.
        """
        for ema, online in self._paired_parameters(online_encoder):
            ema.copy_(online.detach())
        self._copy_buffers(online_encoder)

    def _paired_parameters(
            self, online_encoder: nn.Module
    ) -> List[Tuple[nn.Parameter, nn.Parameter]]:
        ema = dict(self.ema_encoder.named_parameters())
        online = dict(online_encoder.named_parameters())
        if ema.keys() != online.keys():
            raise ValueError(
                'the online encoder does not match the EMA copy: parameters '
                f'only in the EMA {sorted(ema.keys() - online.keys())}, only '
                f'in the online encoder {sorted(online.keys() - ema.keys())}')
        return [(ema[name], online[name]) for name in ema]

    def _copy_buffers(self, online_encoder: nn.Module) -> None:
        online = dict(online_encoder.named_buffers())
        for name, buffer in self.ema_encoder.named_buffers():
            if name not in online:
                raise ValueError(f'the online encoder has no buffer {name!r}, '
                                 'which its EMA copy has')
            buffer.copy_(online[name])
