"""Inference with trained checkpoints, outside MMEngine's runner."""
from .init_model import init_model
from .text_image_search import TextImageSearcher

__all__ = ['TextImageSearcher', 'init_model']
