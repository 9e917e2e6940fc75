"""IRRA's masked-language-modelling input: corrupted ids and their labels."""
from typing import Dict, Optional

import torch

from amnsfw.registry import TRANSFORMS
from .caption_token_corruption import CaptionTokenCorruption

#: Label of positions that the MLM loss ignores (PyTorch's cross-entropy
#: ``ignore_index`` default).
IGNORE_LABEL = -100


@TRANSFORMS.register_module()
class MaskCaptionTokens(CaptionTokenCorruption):
    """Build the input of IRRA's implicit relation reasoning (Jiang and Ye,
    CVPR 2023): BERT-style masking of a tokenised caption.

    Each word token (not SOT / EOT / padding / another special id such as the
    word-level tokenizer's UNK) is selected with ``prob``; a selected token
    becomes the mask token (``mask_ratio``), a random word token
    (``random_ratio``) or stays as it is (the rest). Writes ``mlm_ids`` (the
    corrupted ids; same length, so ``text_mask`` still applies) and
    ``mlm_labels`` (the original id at selected positions, -100 elsewhere);
    ``text_ids`` is left untouched. Runs after :class:`TokenizeCaption`, with
    the same tokenizer.

    If no token was selected and the caption has a word, one word is
    selected and masked anyway, so every caption has a target: IRRA
    (``datasets/bases.py``) does the same, but always with the first word;
    here the word is drawn at random. A caption without word tokens gets
    only -100 labels.

    Args:
        tokenizer (dict): Config of the caption tokenizer.
        prob (float): Chance that a word token is selected. Defaults to 0.15.
        mask_ratio (float): Share of selected tokens replaced by the mask
            token. Defaults to 0.8.
        random_ratio (float): Share replaced by a random word token.
            Defaults to 0.1; the remaining ``1 - mask_ratio - random_ratio``
            is kept.
        seed (int, optional): Seed of this transform's generator, for
            reproducible tests. Defaults to None (Python's global ``random``,
            which MMEngine seeds per worker).
        at_least_one (bool): Select one word at random when none was
            selected (see above). Defaults to True.
    """

    def __init__(self, tokenizer: dict, prob: float = 0.15,
                 mask_ratio: float = 0.8, random_ratio: float = 0.1,
                 seed: Optional[int] = None,
                 at_least_one: bool = True) -> None:
        super().__init__(tokenizer, prob, mask_ratio, random_ratio,
                         'random_ratio', seed)
        self.random_ratio = random_ratio
        self.at_least_one = at_least_one

    def transform(self, results: Dict) -> Dict:
        ids = results['text_ids']
        length = int(results['text_mask'].sum())
        tokens = ids.tolist()
        words = [p for p in range(length) if tokens[p] not in self.special]
        corrupted = list(tokens)
        labels = [IGNORE_LABEL] * len(tokens)
        for position in words:
            if self.rng.random() >= self.prob:
                continue
            labels[position] = tokens[position]
            draw = self.rng.random()
            if draw < self.mask_ratio:
                corrupted[position] = self.tokenizer.mask_id
            elif draw < self.mask_ratio + self.random_ratio:
                corrupted[position] = self.rng.choice(self.word_ids)
        if self.at_least_one and words and all(
                label == IGNORE_LABEL for label in labels):
            position = self.rng.choice(words)
            labels[position] = tokens[position]
            corrupted[position] = self.tokenizer.mask_id
        results['mlm_ids'] = torch.tensor(corrupted, dtype=ids.dtype)
        results['mlm_labels'] = torch.tensor(labels, dtype=torch.long)
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(prob={self.prob}, '
                f'mask_ratio={self.mask_ratio}, '
                f'random_ratio={self.random_ratio}, '
                f'at_least_one={self.at_least_one})')
