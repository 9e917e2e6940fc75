"""Image and text encoders."""
from .clip_image_encoder import CLIPImageEncoder, EncoderOutput
from .clip_text_encoder import CLIPTextEncoder

__all__ = ['CLIPImageEncoder', 'CLIPTextEncoder', 'EncoderOutput']
