"""Image and text encoders."""
from .clip_image_encoder import CLIPImageEncoder
from .clip_text_encoder import CLIPTextEncoder
from .encoder_output import EncoderOutput
from .mmpretrain_vit_encoder import MMPretrainViTEncoder

__all__ = [
    'CLIPImageEncoder', 'CLIPTextEncoder', 'EncoderOutput',
    'MMPretrainViTEncoder'
]
