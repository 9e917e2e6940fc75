"""Caption tokenizers; importing this package registers them."""
from .base_caption_tokenizer import BaseCaptionTokenizer
from .clip_bpe_tokenizer import CLIPBPETokenizer
from .word_level_tokenizer import WordLevelTokenizer

__all__ = ['BaseCaptionTokenizer', 'CLIPBPETokenizer', 'WordLevelTokenizer']
