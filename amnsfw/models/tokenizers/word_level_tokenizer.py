"""Word-level caption tokenizer trained on a data set's training captions."""
import json
import os
import sys
import tempfile
from typing import List, Optional, Set

from tokenizers import (Tokenizer, models, normalizers, pre_tokenizers,
                        trainers)

from amnsfw.model_zoo import is_zoo_reference, resolve_zoo_file
from amnsfw.registry import TOKENIZERS
from .base_caption_tokenizer import BaseCaptionTokenizer

PAD_TOKEN = '[PAD]'
UNK_TOKEN = '[UNK]'
MASK_TOKEN = '[MASK]'
SOT_TOKEN = '[SOT]'
EOT_TOKEN = '[EOT]'
#: A trained vocabulary gives these tokens ids 0 to 4 in this order, so
#: EOT is 4: never 2, which transformers' CLIP text model treats as the
#: legacy EOT id and pools by argmax instead.
SPECIAL_TOKENS = (PAD_TOKEN, UNK_TOKEN, MASK_TOKEN, SOT_TOKEN, EOT_TOKEN)


def read_train_captions(corpus: str) -> List[str]:
    """Captions of the training records of an annotation file.

    Args:
        corpus (str): A CUHK-PEDES, ICFG-PEDES or RSTPReid annotation file:
            a JSON list of records that each have ``split`` (str) and
            ``captions`` (list of str).

    Returns:
        List[str]: The captions of the records whose split is ``'train'``,
        in file order, each record's in list order.
    """
    with open(corpus, encoding='utf-8') as f:
        try:
            records = json.load(f)
        except json.JSONDecodeError as err:
            raise ValueError(
                f"corpus '{corpus}' is not valid JSON: {err}") from err
    if not isinstance(records, list):
        raise ValueError(f"corpus '{corpus}' must be a JSON list of records, "
                         f'got a {type(records).__name__}')
    captions: List[str] = []
    for index, record in enumerate(records):
        where = f"corpus '{corpus}', record {index}"
        if not isinstance(record, dict):
            raise ValueError(f'{where}: expected an object with fields '
                             f"'split' and 'captions', got {record!r}")
        for field in ('split', 'captions'):
            if field not in record:
                raise ValueError(f"{where}: missing field '{field}' "
                                 f'(has {sorted(record)})')
        split, record_captions = record['split'], record['captions']
        if not isinstance(split, str):
            raise ValueError(
                f"{where}: field 'split' must be a str, got {split!r}")
        if not isinstance(record_captions, list) or not all(
                isinstance(caption, str) for caption in record_captions):
            raise ValueError(f"{where}: field 'captions' must be a list of "
                             f'str, got {record_captions!r}')
        if split == 'train':
            captions.extend(record_captions)
    if not captions:
        raise ValueError(f"corpus '{corpus}' has no caption in a record "
                         "whose split is 'train'")
    return captions


def train_tokenizer(captions: List[str], min_frequency: int) -> Tokenizer:
    """Train a lower-casing word-level tokenizer on captions.

    Words are split on whitespace and at every punctuation mark; accents
    are stripped. The vocabulary is every word seen ``min_frequency``
    times, after the special tokens; training is deterministic.

    Args:
        captions (List[str]): The training captions.
        min_frequency (int): Fewest occurrences for a word to get an id.

    Returns:
        Tokenizer: The trained tokenizer.
    """
    tokenizer = Tokenizer(models.WordLevel(unk_token=UNK_TOKEN))
    tokenizer.normalizer = normalizers.Sequence([
        normalizers.NFD(),
        normalizers.StripAccents(),
        normalizers.Lowercase(),
    ])
    tokenizer.pre_tokenizer = pre_tokenizers.Sequence(
        [pre_tokenizers.WhitespaceSplit(),
         pre_tokenizers.Punctuation()])
    trainer = trainers.WordLevelTrainer(vocab_size=sys.maxsize,
                                        min_frequency=min_frequency,
                                        special_tokens=list(SPECIAL_TOKENS),
                                        show_progress=False)
    tokenizer.train_from_iterator(captions, trainer)
    return tokenizer


def save_atomically(tokenizer: Tokenizer, path: str) -> None:
    """Write a tokenizer file so that readers never see a partial one.

    Several processes may train the same vocabulary at once; each writes a
    temporary file next to ``path`` and renames it over ``path``.

    Args:
        tokenizer (Tokenizer): The tokenizer to save.
        path (str): Where the ``tokenizer.json`` goes.
    """
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    fd, tmp_path = tempfile.mkstemp(dir=directory,
                                    prefix=os.path.basename(path) + '.',
                                    suffix='.tmp')
    try:
        with os.fdopen(fd, 'w', encoding='utf-8') as f:
            f.write(tokenizer.to_str(pretty=True))
        os.replace(tmp_path, path)
    except BaseException:
        os.remove(tmp_path)
        raise


@TOKENIZERS.register_module()
class WordLevelTokenizer(BaseCaptionTokenizer):
    """Word-level caption tokenizer, the default that needs no download.

    Loads ``vocab_file`` when it exists; otherwise trains a vocabulary on
    the training captions of ``corpus`` and saves it to ``vocab_file``, so
    that later runs (and other processes) reuse it. A trained vocabulary
    has the ids ``[PAD]`` = 0, ``[UNK]`` = 1, ``[MASK]`` = 2, ``[SOT]`` = 3,
    ``[EOT]`` = 4, then the words. Text is lower-cased and accents are
    stripped; words unknown to the vocabulary become ``[UNK]``.

    Args:
        vocab_file (str): Path of the ``tokenizer.json`` to load or create,
            or ``zoo://<name>/tokenizer.json``: a model zoo entry's.
        corpus (str, optional): Annotation file to train on when
            ``vocab_file`` does not exist; ignored when it does. Defaults to
            None.
        min_frequency (int): Fewest occurrences in the corpus for a word to
            get an id. Defaults to 1.
        max_length (int): Length of every tokenized caption, SOT and EOT
            included. Defaults to 77.
    """

    def __init__(self,
                 vocab_file: str,
                 corpus: Optional[str] = None,
                 min_frequency: int = 1,
                 max_length: int = 77) -> None:
        super().__init__(max_length)
        if is_zoo_reference(vocab_file):
            vocab_file = resolve_zoo_file(vocab_file)
        if os.path.isfile(vocab_file):
            self._tokenizer = self._load(vocab_file)
        elif corpus is not None:
            self._tokenizer = train_tokenizer(read_train_captions(corpus),
                                              min_frequency)
            save_atomically(self._tokenizer, vocab_file)
        else:
            raise FileNotFoundError(
                f"vocabulary file '{vocab_file}' does not exist and no "
                'corpus was given to train it from: set corpus to an '
                'annotation file with training captions, or vocab_file to '
                'an existing tokenizer.json')
        self._special = {
            token: self._tokenizer.token_to_id(token)
            for token in SPECIAL_TOKENS
        }

    @staticmethod
    def _load(vocab_file: str) -> Tokenizer:
        try:
            tokenizer = Tokenizer.from_file(vocab_file)
        except Exception as err:
            raise ValueError(f"vocabulary file '{vocab_file}' is not a "
                             f'readable tokenizer.json: {err}') from err
        missing = [
            token for token in SPECIAL_TOKENS
            if tokenizer.token_to_id(token) is None
        ]
        if missing:
            raise ValueError(f"vocabulary file '{vocab_file}' lacks the "
                             f'special tokens {missing}')
        return tokenizer

    @property
    def vocab_size(self) -> int:
        return self._tokenizer.get_vocab_size(with_added_tokens=True)

    @property
    def pad_id(self) -> int:
        return self._special[PAD_TOKEN]

    @property
    def unk_id(self) -> int:
        """Id of every word that the vocabulary lacks."""
        return self._special[UNK_TOKEN]

    @property
    def sot_id(self) -> int:
        return self._special[SOT_TOKEN]

    @property
    def eot_id(self) -> int:
        return self._special[EOT_TOKEN]

    @property
    def mask_id(self) -> int:
        return self._special[MASK_TOKEN]

    @property
    def special_ids(self) -> Set[int]:
        return set(self._special.values())

    def _text_to_ids(self, text: str) -> List[int]:
        return self._tokenizer.encode(text, add_special_tokens=False).ids

    def _ids_to_text(self, ids: List[int]) -> str:
        return self._tokenizer.decode(ids)
