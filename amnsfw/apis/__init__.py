"""Inference with trained checkpoints, outside MMEngine's runner."""
from .gallery_index import GalleryIndex, StaleIndexError, search_vectors
from .init_model import init_model
from .model_fingerprint import model_fingerprint
from .text_image_search import TextImageSearcher

__all__ = [
    'GalleryIndex', 'StaleIndexError', 'TextImageSearcher', 'init_model',
    'model_fingerprint', 'search_vectors'
]
