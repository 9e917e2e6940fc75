"""Turn an item's caption into fixed-length token ids."""
from typing import Dict

from mmcv.transforms import BaseTransform

from amnsfw.registry import TOKENIZERS, TRANSFORMS


@TRANSFORMS.register_module()
class TokenizeCaption(BaseTransform):
    """Tokenise ``caption`` into ``text_ids`` and ``text_mask``.

    Args:
        tokenizer (dict): Config of a registered tokenizer; use the same one
            as the retriever.
    """

    def __init__(self, tokenizer: dict) -> None:
        self.tokenizer = TOKENIZERS.build(tokenizer)

    def transform(self, results: Dict) -> Dict:
        encoded = self.tokenizer(results['caption'])
        results['text_ids'] = encoded['input_ids']
        results['text_mask'] = encoded['attention_mask']
        return results
