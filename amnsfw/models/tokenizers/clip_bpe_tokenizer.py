"""CLIP's byte-level BPE caption tokenizer, loaded with transformers."""
from typing import List, Set

from transformers import CLIPTokenizerFast

from amnsfw.registry import TOKENIZERS
from .base_caption_tokenizer import BaseCaptionTokenizer

MASK_TOKEN = '<|mask|>'


@TOKENIZERS.register_module()
class CLIPBPETokenizer(BaseCaptionTokenizer):
    """CLIP's BPE tokenizer with a mask token and zero padding.

    Loads the tokenizer of a CLIP checkpoint, which lower-cases text; SOT is
    ``<|startoftext|>`` and EOT ``<|endoftext|>`` (49406 and 49407 in
    OpenAI's vocabulary). ``CLIPTokenizerFast`` is the ``tokenizers``-backed
    class in transformers 4 and an alias of ``CLIPTokenizer`` in 5.

    Padding uses id 0, as OpenAI's CLIP and IRRA do, rather than
    transformers' default of padding with EOT. Id 0 is the word ``!`` in
    CLIP's vocabulary, so padding is told apart by ``attention_mask`` (or by
    lying after EOT), never by comparing ids with :attr:`pad_id`. The pad id
    cannot change the EOT feature: transformers' CLIP text model is causal,
    so EOT never attends to the padding after it, and it pools the first
    position whose id is its ``eos_token_id``. That rule holds only when the
    model's ``eos_token_id`` is :attr:`eot_id`; with the legacy value 2 it
    pools the largest id instead, which is the mask token once one is added.

    With ``add_mask_token``, ``<|mask|>`` becomes an added special token
    (id 49408 in OpenAI's vocabulary, counted in :attr:`vocab_size`) unless
    the checkpoint's tokenizer already has a mask token; its embedding row is
    the text encoder's concern.

    Args:
        name_or_path (str): A local folder with the tokenizer files
            (``vocab.json`` and ``merges.txt``, or ``tokenizer.json``) or a
            Hugging Face hub name such as ``openai/clip-vit-base-patch16``.
        max_length (int): Length of every tokenized caption, SOT and EOT
            included. Defaults to 77.
        add_mask_token (bool): Whether to add ``<|mask|>`` when the
            tokenizer has no mask token. Defaults to True.
    """

    #: OpenAI's CLIP pads with zeros.
    PAD_ID = 0

    def __init__(self,
                 name_or_path: str,
                 max_length: int = 77,
                 add_mask_token: bool = True) -> None:
        super().__init__(max_length)
        self.name_or_path = name_or_path
        self._tokenizer = CLIPTokenizerFast.from_pretrained(name_or_path)
        if add_mask_token and self._tokenizer.mask_token is None:
            self._tokenizer.add_special_tokens({'mask_token': MASK_TOKEN})
        if self.PAD_ID == self.eot_id:
            raise ValueError(
                f"CLIP tokenizer '{name_or_path}' has EOT id {self.eot_id}, "
                f'equal to the pad id {self.PAD_ID}')

    @property
    def vocab_size(self) -> int:
        return len(self._tokenizer)

    @property
    def pad_id(self) -> int:
        return self.PAD_ID

    @property
    def sot_id(self) -> int:
        return self._tokenizer.bos_token_id

    @property
    def eot_id(self) -> int:
        return self._tokenizer.eos_token_id

    @property
    def mask_id(self) -> int:
        mask_id = self._tokenizer.mask_token_id
        if mask_id is None:
            raise ValueError(
                f"CLIP tokenizer '{self.name_or_path}' has no mask token; "
                'build it with add_mask_token=True')
        return mask_id

    @property
    def special_ids(self) -> Set[int]:
        return set(self._tokenizer.all_special_ids)

    def _text_to_ids(self, text: str) -> List[int]:
        return self._tokenizer.encode(text, add_special_tokens=False)

    def _ids_to_text(self, ids: List[int]) -> str:
        return self._tokenizer.decode(ids)
