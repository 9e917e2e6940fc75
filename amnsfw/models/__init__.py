"""Models: backbones, tokenizers, maskers, loss heads and retrievers."""
from . import (backbones, data_preprocessors, losses, maskers,  # noqa: F401
               retrievers, tokenizers)
