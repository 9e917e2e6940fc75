"""CLIP's ViT image encoder, with a position grid for non-square images."""
from typing import Callable, List, Optional, Sequence, Tuple

import torch
import torch.nn.functional as F
from torch import nn
from transformers import CLIPVisionConfig, CLIPVisionModelWithProjection

from amnsfw.model_zoo import is_zoo_reference, load_into_tower
from amnsfw.registry import BACKBONES
from .encoder_output import (EncoderOutput, check_attention_layers,
                             check_image_pooling, pool_image_tokens)
from .load_clip import load_clip_tower
from .pooled_attention import capture_pooled_attention


def resize_position_grid(position: torch.Tensor, source: Tuple[int, int],
                         target: Tuple[int, int]) -> torch.Tensor:
    """Bilinearly resize a ViT position table from one patch grid to another.

    Args:
        position (Tensor): ``(1 + h*w, width)``: the class position first,
            then the grid in row-major order.
        source (tuple[int, int]): The table's grid ``(h, w)``.
        target (tuple[int, int]): The wanted grid.

    Returns:
        Tensor: ``(1 + H*W, width)``, the class position kept as it was.
    """
    if tuple(source) == tuple(target):
        return position
    cls_position, grid = position[:1], position[1:]
    grid = grid.reshape(1, *source, -1).permute(0, 3, 1, 2)
    grid = F.interpolate(grid, size=target, mode='bilinear',
                         align_corners=False)
    return torch.cat([cls_position, grid.permute(0, 2, 3, 1).flatten(0, 2)])


def patch_grid(image_size: Tuple[int, int], patch: int,
               stride: int) -> Tuple[int, int]:
    """Patch grid ``(rows, cols)`` of a convolution with kernel ``patch``
    and step ``stride`` over ``image_size``; refuses sizes it would crop."""
    grid = []
    for side in image_size:
        if side < patch or (side - patch) % stride:
            raise ValueError(
                f'image_size {tuple(image_size)} does not tile with patch '
                f'{patch} and stride {stride}: each side must be patch + '
                'a multiple of stride')
        grid.append((side - patch) // stride + 1)
    return tuple(grid)


def convolutional_stem(channels: Sequence[int], width: int) -> nn.Sequential:
    """3x3 stride-2 convolutions with batch norm and ReLU through
    ``channels``, then a 1x1 convolution to ``width``."""
    layers: List[nn.Module] = []
    previous = 3
    for out in channels:
        layers += [nn.Conv2d(previous, out, 3, stride=2, padding=1,
                             bias=False),
                   nn.BatchNorm2d(out), nn.ReLU(inplace=True)]
        previous = out
    layers.append(nn.Conv2d(previous, width, 1))
    return nn.Sequential(*layers)


@BACKBONES.register_module()
class CLIPImageEncoder(nn.Module):
    """CLIP ViT on ``image_size`` inputs: CLS token, projected, is the feature.

    Built on transformers' CLIP vision modules, loaded with
    ``from_pretrained`` or built with random weights from ``config``. The
    square position grid of the checkpoint is resized once, at build time,
    to the grid of ``image_size`` and stored (transformers' embeddings accept
    only square inputs). With ``patch_stride`` below the patch size the
    patches overlap (a finer grid from the same patch kernel). With
    ``conv_stem`` a stack of 3x3 stride-2 convolutions replaces the patch
    kernel (Xiao et al., "Early Convolutions Help Transformers See Better",
    NeurIPS 2021): the same token grid, a gentler input to the blocks.

    Args:
        image_size (tuple[int, int]): Input ``(height, width)``. Defaults to
            ``(384, 128)``.
        config (dict, optional): ``CLIPVisionConfig`` arguments for random
            weights (its ``image_size`` is the square size of the stored
            position grid). Defaults to None.
        pretrained (str, optional): Local folder or hub name of a CLIP
            checkpoint, or ``zoo://<name>``: a model zoo entry's image tower
            (:mod:`amnsfw.model_zoo`), loaded after building from
            ``config`` and ``conv_stem``, which must match the entry's.
            Defaults to None.
        pooling (str): Global feature from the ``'cls'`` token (CLIP) or the
            ``'mean'`` of the patch tokens (learns faster from scratch).
            Defaults to ``'cls'``.
        patch_stride (int, optional): Step between patches. Defaults to None
            (the patch size: no overlap).
        attn_implementation (str): transformers' attention kernel,
            ``'sdpa'`` (PyTorch's fused attention) or ``'eager'``. Defaults
            to ``'sdpa'``.
        gradient_checkpointing (bool): Recompute each block's activations in
            the backward pass (less memory, ~30 % more time). Defaults to
            False.
        conv_stem (Sequence[int], optional): Output channels of the stem's
            3x3 stride-2 convolutions (each followed by batch norm and
            ReLU; a 1x1 convolution then maps to the width), one per halving,
            so ``2 ** len(conv_stem)`` must be the patch size. Random
            weights, also with ``pretrained``. Defaults to None (CLIP's patch
            kernel).
    """

    def __init__(self,
                 image_size: Tuple[int, int] = (384, 128),
                 config: Optional[dict] = None,
                 pretrained: Optional[str] = None,
                 pooling: str = 'cls',
                 patch_stride: Optional[int] = None,
                 attn_implementation: str = 'sdpa',
                 gradient_checkpointing: bool = False,
                 conv_stem: Optional[Sequence[int]] = None) -> None:
        super().__init__()
        check_image_pooling(pooling)
        self.pooling = pooling
        zoo_entry = pretrained if is_zoo_reference(pretrained) else None
        model = load_clip_tower(CLIPVisionModelWithProjection,
                                CLIPVisionConfig, config,
                                None if zoo_entry else pretrained,
                                attn_implementation, gradient_checkpointing)
        vision = model.vision_model
        patch = vision.config.patch_size
        stride = patch if patch_stride is None else patch_stride
        if not 0 < stride <= patch:
            raise ValueError(f'patch_stride must be in 1..{patch} (the patch '
                             f'size), got {patch_stride}')
        self.grid = patch_grid(image_size, patch, stride)
        side = vision.config.image_size // patch
        if conv_stem is None:
            self.patch_embedding = vision.embeddings.patch_embedding
            self.patch_embedding.stride = (stride, stride)
        else:
            if stride != patch or 2**len(conv_stem) != patch:
                raise ValueError(
                    f'conv_stem needs 2 ** len(conv_stem) == patch size '
                    f'({patch}) and no patch_stride, got {len(conv_stem)} '
                    f'convolutions and patch_stride={patch_stride}')
            self.patch_embedding = convolutional_stem(
                conv_stem, vision.config.hidden_size)
        self.class_embedding = vision.embeddings.class_embedding
        self.position_embedding = nn.Parameter(
            resize_position_grid(vision.embeddings.position_embedding.weight
                                 .detach(), (side, side), self.grid))
        self.pre_layernorm = vision.pre_layrnorm
        self.encoder = vision.encoder
        self.post_layernorm = vision.post_layernorm
        self.projection = model.visual_projection
        self.embed_dim = model.config.projection_dim
        self.width = vision.config.hidden_size
        if zoo_entry:
            load_into_tower(self, zoo_entry, 'image_encoder')

    def embed(self, images: torch.Tensor) -> torch.Tensor:
        """Patch, class and position embeddings: ``(B, 1 + N, width)``."""
        patches = self.patch_embedding(images).flatten(2).transpose(1, 2)
        if patches.shape[1] != self.position_embedding.shape[0] - 1:
            raise ValueError(
                f'images of size {tuple(images.shape[-2:])} give '
                f'{patches.shape[1]} patches; this encoder was built for a '
                f'{self.grid} grid')
        cls = self.class_embedding.expand(patches.shape[0], 1, -1)
        return torch.cat([cls, patches], dim=1) + self.position_embedding

    def forward(self,
                images: torch.Tensor,
                token_filter: Optional[Callable] = None,
                attention: Optional[str] = None) -> EncoderOutput:
        """Encode images.

        Args:
            images (Tensor): Normalised ``(B, 3, H, W)``.
            token_filter (Callable, optional): Applied to the embedded
                tokens ``(B, 1 + N, width)``, class token first, before the
                transformer blocks (a masker that drops patches). Defaults to
                None.
            attention (str, optional): Also return the CLS token's attention
                of the ``'last'`` or ``'all'`` layers. Defaults to None.
        """
        check_attention_layers(attention)
        tokens = self.embed(images)
        if token_filter is not None:
            tokens = token_filter(tokens)
        layers = self.encoder.layers
        watched = layers[-1:] if attention == 'last' else layers
        query = (None if attention is None else
                 torch.zeros(len(tokens), dtype=torch.long,
                             device=tokens.device))
        with capture_pooled_attention(watched, query, causal=False) as rows:
            states = self.encoder(
                inputs_embeds=self.pre_layernorm(tokens)).last_hidden_state
        pooled = pool_image_tokens(states, self.pooling)
        return EncoderOutput.from_rows(
            self.projection(self.post_layernorm(pooled)), states, rows)
