"""RDE's caption token augmentation: mask, replace or delete random tokens."""
from typing import Dict, Optional

import torch

from amnsfw.registry import TRANSFORMS
from .caption_token_corruption import CaptionTokenCorruption


@TRANSFORMS.register_module()
class AugmentCaptionTokens(CaptionTokenCorruption):
    """Perturb a tokenised caption as RDE (Qin et al., CVPR 2024) does.

    Each word token (not SOT / EOT / padding) is selected with ``prob``; a
    selected token is replaced by the mask token (``mask_ratio``), by a
    random word token (``replace_ratio``) or deleted (the rest). Deleted
    tokens close up and the row is padded again, so EOT stays the last real
    token. Runs after :class:`TokenizeCaption`, with the same tokenizer.

    Args:
        tokenizer (dict): Config of the caption tokenizer.
        prob (float): Chance that a token is selected. Defaults to 0.2.
        mask_ratio (float): Share of selected tokens masked. Defaults to 0.6.
        replace_ratio (float): Share replaced by a random token. Defaults to
            0.2; the remaining ``1 - mask_ratio - replace_ratio`` is deleted.
        seed (int, optional): Seed of this transform's generator, for
            reproducible tests. Defaults to None (Python's global ``random``,
            which MMEngine seeds per worker).
    """

    def __init__(self, tokenizer: dict, prob: float = 0.2,
                 mask_ratio: float = 0.6, replace_ratio: float = 0.2,
                 seed: Optional[int] = None) -> None:
        super().__init__(tokenizer, prob, mask_ratio, replace_ratio,
                         'replace_ratio', seed)
        self.replace_ratio = replace_ratio

    def transform(self, results: Dict) -> Dict:
        ids, mask = results['text_ids'], results['text_mask']
        length = int(mask.sum())
        kept = [ids[0].item()]
        for token in ids[1:length - 1].tolist():
            if self.rng.random() >= self.prob:
                kept.append(token)
                continue
            draw = self.rng.random()
            if draw < self.mask_ratio:
                kept.append(self.tokenizer.mask_id)
            elif draw < self.mask_ratio + self.replace_ratio:
                kept.append(self.rng.choice(self.word_ids))
        kept.append(ids[length - 1].item())
        new_ids = torch.full_like(ids, self.tokenizer.pad_id)
        new_ids[:len(kept)] = torch.tensor(kept, dtype=ids.dtype)
        new_mask = torch.zeros_like(mask)
        new_mask[:len(kept)] = 1
        results['text_ids'], results['text_mask'] = new_ids, new_mask
        return results
