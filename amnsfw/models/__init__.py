"""Models: backbones, tokenizers, maskers, loss heads and retrievers."""
