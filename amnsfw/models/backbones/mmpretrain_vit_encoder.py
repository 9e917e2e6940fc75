"""mmpretrain's Vision Transformer as an image encoder."""
import logging
from typing import Callable, Optional, Tuple, Union

import torch
import torch.nn.functional as F
from mmengine.logging import MMLogger, print_log
from mmengine.runner import CheckpointLoader
from torch import nn

from amnsfw.registry import BACKBONES
from .clip_image_encoder import patch_grid
from .encoder_output import (EncoderOutput, check_attention_layers,
                             check_image_pooling, pool_image_tokens)

#: VisionTransformer arguments this encoder sets itself; ``vit_cfg`` may not.
OWN_VIT_ARGS = ('arch', 'img_size', 'patch_size', 'drop_rate',
                'drop_path_rate', 'final_norm', 'out_type', 'with_cls_token',
                'out_indices', 'init_cfg')


def cls_attention_row(layer: nn.Module, hidden: torch.Tensor) -> torch.Tensor:
    """Head-averaged attention of the class token (position 0) to every
    token in one mmpretrain ``TransformerEncoderLayer``.

    Recomputes the class query and the keys from the layer's ``attn.qkv``
    projection (laid out query, key, value, heads contiguous) on its normed
    input, with mmpretrain's scale ``head_dims ** -0.5``.

    Args:
        layer (nn.Module): The encoder layer (``ln1``, ``attn``).
        hidden (Tensor): The layer's input, ``(B, T, width)``.

    Returns:
        Tensor: ``(B, T)``, each row a distribution over the tokens.
    """
    attn = layer.attn
    normed = layer.ln1(hidden)
    batch, length, width = normed.shape
    weight, bias = attn.qkv.weight, attn.qkv.bias
    query = F.linear(normed[:, 0], weight[:width],
                     None if bias is None else bias[:width])
    keys = F.linear(normed, weight[width:2 * width],
                    None if bias is None else bias[width:2 * width])
    query = query.view(batch, attn.num_heads, 1, attn.head_dims)
    keys = keys.view(batch, length, attn.num_heads,
                     attn.head_dims).transpose(1, 2)
    scores = (query @ keys.transpose(-1, -2)).squeeze(2) * attn.head_dims**-0.5
    return scores.float().softmax(dim=-1).mean(dim=1).to(normed.dtype)


@BACKBONES.register_module()
class MMPretrainViTEncoder(nn.Module):
    """mmpretrain's ``VisionTransformer`` on ``image_size`` inputs, pooled
    and projected: the same interface as ``CLIPImageEncoder``.

    The position table is built for the patch grid of ``image_size``. A
    ``pretrained`` mmpretrain checkpoint (a classifier's ``backbone.*``
    weights, or a bare backbone's) of another square size has its table
    resized by mmpretrain's ``resize_pos_embed`` as it loads. Random weights
    get mmpretrain's initialisation at build time (the runner does not
    re-initialise this encoder, so loaded weights stay). Returned tokens are
    the last layer's states after the final norm (mmpretrain's ``'raw'``
    output).

    Args:
        image_size (tuple[int, int]): Input ``(height, width)``, a multiple
            of ``patch_size``. Defaults to ``(384, 128)``.
        arch (str | dict): mmpretrain architecture name (``'b'``,
            ``'deit-s'``, ...) or a dict with ``embed_dims``,
            ``num_layers``, ``num_heads`` and ``feedforward_channels``.
            Defaults to ``'b'``.
        patch_size (int): Side of the square, non-overlapping patches.
            Defaults to 16.
        embed_dim (int): Size of the projected global feature. Defaults to
            512.
        pooling (str): Global feature from the ``'cls'`` token or the
            ``'mean'`` of the patch tokens. Defaults to ``'cls'``.
        pretrained (str, optional): Path of an mmpretrain checkpoint, read
            with MMEngine's ``CheckpointLoader``. Defaults to None (random
            weights).
        drop_rate (float): Dropout after the position embedding and in the
            blocks. Defaults to 0.0.
        drop_path_rate (float): Stochastic depth of the last block (linear
            from 0 over the blocks). Defaults to 0.0.
        final_norm (bool): Layer norm on the last block's output. Defaults
            to True.
        vit_cfg (dict, optional): Further ``VisionTransformer`` arguments
            (``norm_cfg``, ``qkv_bias``, ``pre_norm``,
            ``layer_scale_init_value``, ...). Defaults to None.
    """

    def __init__(self,
                 image_size: Tuple[int, int] = (384, 128),
                 arch: Union[str, dict] = 'b',
                 patch_size: int = 16,
                 embed_dim: int = 512,
                 pooling: str = 'cls',
                 pretrained: Optional[str] = None,
                 drop_rate: float = 0.0,
                 drop_path_rate: float = 0.0,
                 final_norm: bool = True,
                 vit_cfg: Optional[dict] = None) -> None:
        super().__init__()
        # Imported here: mmpretrain's import warns about mmcv-lite's ops.
        from mmpretrain.models.backbones import VisionTransformer
        check_image_pooling(pooling)
        vit_cfg = dict(vit_cfg or {})
        taken = sorted(set(vit_cfg) & set(OWN_VIT_ARGS))
        if taken:
            raise ValueError(f'vit_cfg may not set {taken}: they are '
                             f'arguments of {type(self).__name__} or fixed '
                             f'by it ({OWN_VIT_ARGS})')
        self.pooling = pooling
        self.grid = patch_grid(image_size, patch_size, patch_size)
        self.vit = VisionTransformer(
            arch=arch, img_size=tuple(image_size), patch_size=patch_size,
            drop_rate=drop_rate, drop_path_rate=drop_path_rate,
            final_norm=final_norm, out_type='raw', **vit_cfg)
        self.initialise_quietly()
        if pretrained is not None:
            self.load_pretrained(pretrained)
        self.width = self.vit.embed_dims
        self.embed_dim = embed_dim
        self.projection = nn.Linear(self.width, embed_dim)

    def initialise_quietly(self) -> None:
        """mmpretrain's random initialisation of the transformer.

        MMEngine then logs one INFO record per parameter; a runner's log
        file still receives them (written to its handler directly), the
        console does not.
        """
        logger = MMLogger.get_current_instance()
        level = logger.level
        logger.setLevel(logging.WARNING)
        try:
            self.vit.init_weights()
        finally:
            logger.setLevel(level)

    def load_pretrained(self, path: str) -> None:
        """Load an mmpretrain checkpoint into the transformer.

        Keeps only the ``backbone.`` weights when there are any (a
        classifier's head is dropped); every transformer weight must be in
        the file; extra ones are logged and skipped.
        """
        checkpoint = CheckpointLoader.load_checkpoint(path, map_location='cpu')
        state = checkpoint.get('state_dict', checkpoint)
        prefix = 'backbone.'
        if any(key.startswith(prefix) for key in state):
            state = {key[len(prefix):]: value for key, value in state.items()
                     if key.startswith(prefix)}
        missing, unexpected = self.vit.load_state_dict(state, strict=False)
        if missing:
            raise KeyError(f'checkpoint {path} lacks these VisionTransformer '
                           f'weights: {missing}')
        if unexpected:
            print_log(f'skipped weights of {path} that the VisionTransformer '
                      f'does not have: {unexpected}', logger='current')

    def embed(self, images: torch.Tensor) -> torch.Tensor:
        """Patch, class and position embeddings: ``(B, 1 + N, width)``."""
        patches, grid = self.vit.patch_embed(images)
        if tuple(grid) != self.grid:
            raise ValueError(
                f'images of size {tuple(images.shape[-2:])} give a '
                f'{tuple(grid)} patch grid; this encoder was built for a '
                f'{self.grid} grid')
        cls = self.vit.cls_token.expand(patches.shape[0], -1, -1)
        return torch.cat([cls, patches], dim=1) + self.vit.pos_embed

    def forward(self,
                images: torch.Tensor,
                token_filter: Optional[Callable] = None,
                attention: Optional[str] = None) -> EncoderOutput:
        """Encode images.

        Args:
            images (Tensor): Normalised ``(B, 3, H, W)``.
            token_filter (Callable, optional): Applied to the embedded
                tokens ``(B, 1 + N, width)``, class token first, before the
                position dropout and the transformer blocks (a masker that
                drops patches). Defaults to None.
            attention (str, optional): Also return the CLS token's attention
                of the ``'last'`` or ``'all'`` layers. Defaults to None.
        """
        check_attention_layers(attention)
        tokens = self.embed(images)
        if token_filter is not None:
            tokens = token_filter(tokens)
        states = self.vit.pre_norm(self.vit.drop_after_pos(tokens))
        layers = self.vit.layers
        first_watched = {None: len(layers), 'last': len(layers) - 1,
                         'all': 0}[attention]
        rows = []
        for index, layer in enumerate(layers):
            if index >= first_watched:
                rows.append(cls_attention_row(layer, states))
            states = layer(states)
        if self.vit.final_norm:
            states = self.vit.ln1(states)
        return EncoderOutput.from_rows(
            self.projection(pool_image_tokens(states, self.pooling)), states,
            rows)
