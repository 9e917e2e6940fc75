"""Transforms of images and captions (mmcv / mmpretrain ones where they
exist)."""
from .augment_caption_tokens import AugmentCaptionTokens
from .image_to_rgb_tensor import ImageToRGBTensor
from .load_person_image import ImageLoadError, LoadPersonImage
from .mask_caption_tokens import MaskCaptionTokens
from .tokenize_caption import TokenizeCaption

__all__ = [
    'AugmentCaptionTokens', 'ImageLoadError', 'ImageToRGBTensor',
    'LoadPersonImage', 'MaskCaptionTokens', 'TokenizeCaption'
]
