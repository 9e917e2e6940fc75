"""Transforms of images and captions (mmcv / mmpretrain ones where they exist)."""
from .augment_caption_tokens import AugmentCaptionTokens
from .image_to_rgb_tensor import ImageToRGBTensor
from .tokenize_caption import TokenizeCaption

__all__ = ['AugmentCaptionTokens', 'ImageToRGBTensor', 'TokenizeCaption']
