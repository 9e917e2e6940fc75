"""RDE's embedding heads."""
from .token_selection_embedding import TokenSelectionEmbedding

__all__ = ['TokenSelectionEmbedding']
