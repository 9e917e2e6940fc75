"""Models: backbones, tokenizers, maskers, loss heads and retrievers."""
from . import (backbones, data_preprocessors, embedding_heads,  # noqa: F401
               losses, maskers,
               retrievers, tokenizers)
