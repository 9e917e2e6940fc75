"""Inference with trained checkpoints, outside MMEngine's runner."""
from .text_image_search import TextImageSearcher

__all__ = ['TextImageSearcher']
