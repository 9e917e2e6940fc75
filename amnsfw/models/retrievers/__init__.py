"""Retrievers: the models the runner trains and evaluates."""
from .text_image_retriever import TextImageRetriever

__all__ = ['TextImageRetriever']
