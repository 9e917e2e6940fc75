import json
import string

import pytest
import torch

from amnsfw.models.tokenizers import CLIPBPETokenizer
from amnsfw.registry import TOKENIZERS

# 'woman' first, so that its merges outrank those of 'man' ('m a').
WORDS = ('woman', 'man', 'red', 'shirt', 'bag')
SYMBOLS = string.ascii_lowercase + ',.!'


def write_clip_vocab(folder, eot_first=False):
    """Write a tiny CLIP BPE vocabulary: single symbols plus a few words.

    Id 0 is '!' as in OpenAI's vocabulary, unless ``eot_first`` puts
    ``<|endoftext|>`` there.
    """
    vocab = {'<|endoftext|>': 0} if eot_first else {}
    for symbol in '!' + SYMBOLS:
        vocab.setdefault(symbol, len(vocab))
    for symbol in '!' + SYMBOLS:
        vocab.setdefault(symbol + '</w>', len(vocab))
    merges = []
    for word in WORDS:
        parts = list(word[:-1]) + [word[-1] + '</w>']
        merged = parts[0]
        for part in parts[1:]:
            merges.append(f'{merged} {part}')
            merged += part
            vocab.setdefault(merged, len(vocab))
    for special in ('<|startoftext|>', '<|endoftext|>'):
        vocab.setdefault(special, len(vocab))
    folder.mkdir()
    (folder / 'vocab.json').write_text(json.dumps(vocab))
    (folder / 'merges.txt').write_text('#version: 0.2\n' + '\n'.join(merges))
    return str(folder), vocab


@pytest.fixture
def clip_vocab(tmp_path):
    return write_clip_vocab(tmp_path / 'clip')


def test_special_ids(clip_vocab):
    folder, vocab = clip_vocab
    tokenizer = CLIPBPETokenizer(folder)
    assert tokenizer.sot_id == vocab['<|startoftext|>']
    assert tokenizer.eot_id == vocab['<|endoftext|>']
    assert tokenizer.mask_id == len(vocab)
    assert tokenizer.vocab_size == len(vocab) + 1
    assert tokenizer.pad_id == 0 == vocab['!']
    assert tokenizer.special_ids == {
        tokenizer.sot_id, tokenizer.eot_id, tokenizer.mask_id
    }


def test_encode_round_trip_lowercase(clip_vocab):
    folder, vocab = clip_vocab
    tokenizer = CLIPBPETokenizer(folder)
    ids = tokenizer.encode('A MAN, Red shirt!')
    assert ids == [
        tokenizer.sot_id, vocab['a</w>'], vocab['man</w>'], vocab[',</w>'],
        vocab['red</w>'], vocab['shirt</w>'], vocab['!</w>'], tokenizer.eot_id
    ]
    assert tokenizer.decode(ids) == 'a man , red shirt !'
    # Words without a merge fall back to their symbols.
    assert tokenizer.decode(tokenizer.encode('a hat')) == 'a hat'


def test_mask_token_is_one_id(clip_vocab):
    folder, vocab = clip_vocab
    tokenizer = CLIPBPETokenizer(folder)
    ids = tokenizer.encode('a <|mask|> shirt')
    assert ids[1:-1] == [vocab['a</w>'], tokenizer.mask_id, vocab['shirt</w>']]
    assert tokenizer.decode(ids) == 'a shirt'


def test_without_mask_token(clip_vocab):
    folder, vocab = clip_vocab
    tokenizer = CLIPBPETokenizer(folder, add_mask_token=False)
    assert tokenizer.vocab_size == len(vocab)
    with pytest.raises(ValueError, match='has no mask token') as info:
        tokenizer.mask_id
    assert folder in str(info.value)


def test_call_pads_with_zero(clip_vocab):
    folder, _ = clip_vocab
    tokenizer = CLIPBPETokenizer(folder, max_length=16)
    out = tokenizer('a woman, a bag!')
    ids = tokenizer.encode('a woman, a bag!')
    assert len(ids) == 8
    assert out['input_ids'].dtype == torch.long
    assert out['input_ids'].tolist() == ids + [0] * 8
    assert out['attention_mask'].tolist() == [1] * 8 + [0] * 8
    # Padding is '!' in CLIP's vocabulary, and dropped after EOT only.
    assert tokenizer.decode(out['input_ids']) == 'a woman , a bag !'


def test_truncation_keeps_eot_last(clip_vocab):
    folder, vocab = clip_vocab
    tokenizer = CLIPBPETokenizer(folder, max_length=4)
    ids = tokenizer.encode('red shirt man bag')
    assert ids == [
        tokenizer.sot_id, vocab['red</w>'], vocab['shirt</w>'],
        tokenizer.eot_id
    ]
    assert tokenizer('red shirt man bag')['attention_mask'].tolist() == [1] * 4


def test_eot_inside_caption_is_refused(clip_vocab):
    folder, _ = clip_vocab
    tokenizer = CLIPBPETokenizer(folder)
    # '?' is not in the tiny vocabulary, so it maps to EOT (CLIP's unknown).
    with pytest.raises(ValueError, match='maps to the EOT id'):
        tokenizer.encode('a man?')


def test_pad_id_equal_to_eot_id_is_refused(tmp_path):
    folder, _ = write_clip_vocab(tmp_path / 'clip', eot_first=True)
    with pytest.raises(ValueError, match='EOT id 0, equal to the pad id'):
        CLIPBPETokenizer(folder)


def test_build_from_registry(clip_vocab):
    folder, vocab = clip_vocab
    tokenizer = TOKENIZERS.build(
        dict(type='CLIPBPETokenizer', name_or_path=folder, max_length=8))
    assert isinstance(tokenizer, CLIPBPETokenizer)
    assert tokenizer('a man')['input_ids'].tolist() == [
        tokenizer.sot_id, vocab['a</w>'], vocab['man</w>'], tokenizer.eot_id
    ] + [0] * 4
