"""Shared set-up of the transforms that corrupt a caption's word tokens."""
import random
from typing import Optional

from mmcv.transforms import BaseTransform

from amnsfw.registry import TOKENIZERS


class CaptionTokenCorruption(BaseTransform):
    """Base of :class:`AugmentCaptionTokens` and :class:`MaskCaptionTokens`.

    Builds the caption tokenizer, checks the rates, and knows the special ids
    (never touched) and the word ids (drawn as random replacements).

    Args:
        tokenizer (dict): Config of the caption tokenizer.
        prob (float): Chance that a word token is selected.
        mask_ratio (float): Share of selected tokens masked.
        other_ratio (float): Share given the subclass's second treatment.
        other_name (str): That ratio's argument name, for error messages.
        seed (int, optional): Seed of this transform's generator. Defaults to
            None (Python's global ``random``, which MMEngine seeds per
            worker).
    """

    def __init__(self, tokenizer: dict, prob: float, mask_ratio: float,
                 other_ratio: float, other_name: str,
                 seed: Optional[int] = None) -> None:
        if not (0 <= prob <= 1 and mask_ratio >= 0 and other_ratio >= 0
                and mask_ratio + other_ratio <= 1):
            raise ValueError(
                f'need 0 <= prob <= 1 and mask_ratio + {other_name} <= 1 '
                f'(both >= 0), got prob={prob}, mask_ratio={mask_ratio}, '
                f'{other_name}={other_ratio}')
        self.tokenizer = TOKENIZERS.build(tokenizer)
        self.prob = prob
        self.mask_ratio = mask_ratio
        self.rng = random.Random(seed) if seed is not None else random
        self.special = set(self.tokenizer.special_ids) | {
            self.tokenizer.pad_id}
        self.word_ids = [i for i in range(self.tokenizer.vocab_size)
                         if i not in self.special]
