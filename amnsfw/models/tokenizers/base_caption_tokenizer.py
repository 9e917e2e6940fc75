"""Fixed-length caption tokenization shared by every caption tokenizer."""
from abc import ABCMeta, abstractmethod
from typing import Dict, List, Sequence, Set, Union

import torch


class BaseCaptionTokenizer(metaclass=ABCMeta):
    """Turns a caption into CLIP-style fixed-length token ids.

    A caption becomes ``[SOT] + ids of the lower-cased text + [EOT]``. A
    caption longer than ``max_length`` is cut so that the last kept token is
    still EOT (CLIP's convention), and the text encoder pools the first
    position whose id is :attr:`eot_id`. EOT therefore appears exactly once
    per caption: :meth:`encode` refuses a caption whose text itself maps to
    EOT.

    Subclasses provide the special ids and the mapping between normalised
    text and ids (:meth:`_text_to_ids`, :meth:`_ids_to_text`).

    Args:
        max_length (int): Length of every tokenized caption, SOT and EOT
            included. Defaults to 77.
    """

    def __init__(self, max_length: int = 77) -> None:
        if isinstance(max_length, bool) or not isinstance(max_length, int) \
                or max_length < 2:
            raise ValueError('max_length must be an int >= 2 (room for SOT '
                             f'and EOT), got {max_length!r}')
        self.max_length = max_length

    @property
    @abstractmethod
    def vocab_size(self) -> int:
        """Number of token ids, special tokens included."""

    @property
    @abstractmethod
    def pad_id(self) -> int:
        """Id that fills the positions after EOT."""

    @property
    @abstractmethod
    def sot_id(self) -> int:
        """Start-of-text id, the first token of every caption."""

    @property
    @abstractmethod
    def eot_id(self) -> int:
        """End-of-text id, the last real token and the pooled position."""

    @property
    @abstractmethod
    def mask_id(self) -> int:
        """Mask token id, used by masked language modelling and RDE."""

    @property
    @abstractmethod
    def special_ids(self) -> Set[int]:
        """Ids that are not words: never masked, dropped by decode."""

    @abstractmethod
    def _text_to_ids(self, text: str) -> List[int]:
        """Ids of the normalised text, without SOT and EOT."""

    @abstractmethod
    def _ids_to_text(self, ids: List[int]) -> str:
        """Text of ids that hold no special token."""

    def encode(self, text: str) -> List[int]:
        """Token ids of a caption, without padding.

        Args:
            text (str): The caption.

        Returns:
            List[int]: ``[SOT] + ids + [EOT]``, at most ``max_length`` long.
        """
        if not isinstance(text, str):
            raise TypeError(
                f'a caption must be a str, got {type(text).__name__}: '
                f'{text!r}')
        ids = self._text_to_ids(text)
        if self.eot_id in ids:
            raise ValueError(
                f'caption {text!r} maps to the EOT id {self.eot_id} before '
                'its end (it names the EOT token, or holds a symbol that the '
                'vocabulary lacks and maps to EOT); the text encoder pools '
                'the first EOT, so EOT must appear only once')
        return [self.sot_id] + ids[:self.max_length - 2] + [self.eot_id]

    def __call__(self, text: str) -> Dict[str, torch.Tensor]:
        """Fixed-length model inputs of a caption.

        Args:
            text (str): The caption.

        Returns:
            Dict[str, torch.Tensor]: ``input_ids`` (int64, ``max_length``
            long, right-padded with :attr:`pad_id`) and ``attention_mask``
            (int64, 1 for SOT, the words and EOT, 0 for padding).
        """
        ids = self.encode(text)
        input_ids = torch.full((self.max_length, ),
                               self.pad_id,
                               dtype=torch.long)
        input_ids[:len(ids)] = torch.tensor(ids, dtype=torch.long)
        attention_mask = torch.zeros(self.max_length, dtype=torch.long)
        attention_mask[:len(ids)] = 1
        return dict(input_ids=input_ids, attention_mask=attention_mask)

    def decode(self, ids: Union[Sequence[int], torch.Tensor]) -> str:
        """Normalised text of token ids.

        Everything from the first EOT on (EOT and padding) is dropped, and
        so are the special tokens before it.

        Args:
            ids (Sequence[int] | torch.Tensor): One caption's ids, as
                :meth:`encode` or :meth:`__call__` returns them.

        Returns:
            str: The lower-cased caption, tokens separated by single spaces.
        """
        if isinstance(ids, torch.Tensor):
            if ids.dim() != 1:
                raise ValueError('decode takes the ids of one caption (a 1-D '
                                 f'tensor), got shape {tuple(ids.shape)}')
            ids = ids.tolist()
        ids = list(ids)
        if self.eot_id in ids:
            ids = ids[:ids.index(self.eot_id)]
        special_ids = self.special_ids
        return self._ids_to_text([i for i in ids if i not in special_ids])
