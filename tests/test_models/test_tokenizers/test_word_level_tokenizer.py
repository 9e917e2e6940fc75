import json
import os

import pytest
import torch

from amnsfw.models.tokenizers import WordLevelTokenizer
from amnsfw.registry import TOKENIZERS

RECORDS = [
    dict(split='train',
         id=1,
         file_path='a.jpg',
         captions=['A man wears a RED shirt.', 'The man carries a bag.']),
    dict(split='test',
         id=2,
         file_path='b.jpg',
         captions=['A woman with a hat.']),
    dict(split='train',
         id=3,
         file_path='c.jpg',
         captions=['The woman wears a Café-brown coat, and shoes.']),
]
# Lower-cased, accents stripped, split at punctuation; 'with' and 'hat'
# occur only in the test split.
TRAIN_WORDS = {
    'a', 'man', 'wears', 'red', 'shirt', '.', 'the', 'carries', 'bag', 'woman',
    'cafe', '-', 'brown', 'coat', ',', 'and', 'shoes'
}


def vocabulary(tokenizer):
    words = [tokenizer.decode([i]) for i in range(5, tokenizer.vocab_size)]
    assert len(set(words)) == len(words)
    return set(words)


def write_json(path, content):
    path.write_text(json.dumps(content), encoding='utf-8')
    return str(path)


@pytest.fixture
def corpus(tmp_path):
    return write_json(tmp_path / 'reid_raw.json', RECORDS)


@pytest.fixture
def tokenizer(tmp_path, corpus):
    vocab_file = str(tmp_path / 'vocab' / 'tokenizer.json')
    return WordLevelTokenizer(vocab_file=vocab_file, corpus=corpus)


def test_special_ids(tokenizer):
    assert (tokenizer.pad_id, tokenizer.unk_id, tokenizer.mask_id,
            tokenizer.sot_id, tokenizer.eot_id) == (0, 1, 2, 3, 4)
    assert tokenizer.special_ids == {0, 1, 2, 3, 4}
    assert vocabulary(tokenizer) == TRAIN_WORDS


def test_encode_round_trip_lowercase(tokenizer):
    ids = tokenizer.encode('A Man wears a red SHIRT.')
    assert ids[0] == tokenizer.sot_id and ids[-1] == tokenizer.eot_id
    assert len(ids) == 2 + 7
    assert tokenizer.encode('a man wears a red shirt.') == ids
    assert tokenizer.decode(ids) == 'a man wears a red shirt .'
    assert tokenizer.decode(tokenizer.encode('a CAFÉ-brown coat')) == \
        'a cafe - brown coat'


def test_unknown_word_is_unk(tokenizer):
    ids = tokenizer.encode('a man with a hat')
    assert ids[1:-1] == [
        ids[1], ids[2], tokenizer.unk_id, ids[1], tokenizer.unk_id
    ]
    assert tokenizer.unk_id not in tokenizer.encode('a man')


def test_call_pads_to_max_length(tokenizer):
    out = tokenizer('a man wears a bag')
    input_ids, attention_mask = out['input_ids'], out['attention_mask']
    assert input_ids.dtype == attention_mask.dtype == torch.long
    assert input_ids.shape == attention_mask.shape == (77, )
    assert input_ids[:7].tolist() == tokenizer.encode('a man wears a bag')
    assert (input_ids[7:] == tokenizer.pad_id).all()
    assert attention_mask.tolist() == [1] * 7 + [0] * 70
    assert tokenizer.decode(input_ids) == 'a man wears a bag'


def test_truncation_keeps_eot_last(tmp_path, corpus):
    tokenizer = WordLevelTokenizer(vocab_file=str(tmp_path / 'tokenizer.json'),
                                   corpus=corpus,
                                   max_length=6)
    text = 'the man wears a red shirt and a bag'
    ids = tokenizer.encode(text)
    assert len(ids) == 6
    assert ids == tokenizer.encode('the man wears a')[:-1] + [4]
    assert ids[-1] == tokenizer.eot_id
    assert tokenizer(text)['attention_mask'].tolist() == [1] * 6
    assert tokenizer.encode('a man')[-1] == tokenizer.eot_id


def test_trained_vocab_file_is_deterministic(tmp_path, corpus):
    first, second = tmp_path / 'first.json', tmp_path / 'second.json'
    WordLevelTokenizer(vocab_file=str(first), corpus=corpus)
    WordLevelTokenizer(vocab_file=str(second), corpus=corpus)
    assert first.read_bytes() == second.read_bytes()
    # Saved atomically: no temporary file stays behind.
    assert sorted(os.listdir(tmp_path)) == [
        'first.json', 'reid_raw.json', 'second.json'
    ]


def test_min_frequency(tmp_path, corpus):
    tokenizer = WordLevelTokenizer(vocab_file=str(tmp_path / 'tokenizer.json'),
                                   corpus=corpus,
                                   min_frequency=2)
    assert vocabulary(tokenizer) == {'a', 'man', 'wears', 'the', '.'}
    assert tokenizer.encode('shirt')[1] == tokenizer.unk_id


def test_loads_existing_vocab_file_without_corpus(tmp_path, tokenizer):
    vocab_file = str(tmp_path / 'vocab' / 'tokenizer.json')
    loaded = WordLevelTokenizer(vocab_file=vocab_file)
    text = 'The woman wears a brown coat, and a RED shirt.'
    assert loaded.encode(text) == tokenizer.encode(text)
    assert loaded.vocab_size == tokenizer.vocab_size
    # An existing file wins over a corpus, which is not even read.
    other = WordLevelTokenizer(vocab_file=vocab_file,
                               corpus=str(tmp_path / 'missing.json'))
    assert other.encode(text) == tokenizer.encode(text)


def test_missing_vocab_file_and_corpus(tmp_path):
    vocab_file = str(tmp_path / 'tokenizer.json')
    with pytest.raises(FileNotFoundError, match='no corpus') as info:
        WordLevelTokenizer(vocab_file=vocab_file)
    assert vocab_file in str(info.value)


def test_vocab_file_without_special_tokens(tmp_path, tokenizer):
    vocab_file = tmp_path / 'vocab' / 'tokenizer.json'
    content = json.loads(vocab_file.read_text())
    content['added_tokens'] = [
        t for t in content['added_tokens'] if t['content'] != '[MASK]'
    ]
    del content['model']['vocab']['[MASK]']
    broken = write_json(tmp_path / 'broken.json', content)
    with pytest.raises(
            ValueError,
            match=r"lacks the special tokens \['\[MASK\]'\]") as info:
        WordLevelTokenizer(vocab_file=broken)
    assert broken in str(info.value)


@pytest.mark.parametrize('content, message', [
    (dict(split='train', captions=['a man']), 'must be a JSON list'),
    ([RECORDS[0], ['a man']], "record 1: expected an object"),
    ([RECORDS[0], dict(split='train')], "record 1: missing field 'captions'"),
    ([RECORDS[0], RECORDS[1], dict(captions=['a'])
      ], "record 2: missing field 'split'"),
    ([dict(split='train', captions='a man')
      ], "record 0: field 'captions' must be a list of str"),
    ([RECORDS[0], dict(split='test', captions=['a', 3])
      ], "record 1: field 'captions' must be a list of str"),
    ([dict(split=None, captions=['a'])], "record 0: field 'split' must be"),
    ([RECORDS[1]], "no caption in a record whose split is 'train'"),
])
def test_malformed_corpus(tmp_path, content, message):
    corpus = write_json(tmp_path / 'data_captions.json', content)
    vocab_file = tmp_path / 'tokenizer.json'
    with pytest.raises(ValueError, match=message) as info:
        WordLevelTokenizer(vocab_file=str(vocab_file), corpus=corpus)
    assert f"'{corpus}'" in str(info.value)
    assert not vocab_file.exists()


def test_corpus_not_json(tmp_path):
    corpus = tmp_path / 'ICFG-PEDES.json'
    corpus.write_text('[{"split": "train",')
    with pytest.raises(ValueError, match='is not valid JSON') as info:
        WordLevelTokenizer(vocab_file=str(tmp_path / 'tokenizer.json'),
                           corpus=str(corpus))
    assert str(corpus) in str(info.value)


def test_invalid_inputs(tokenizer, tmp_path):
    with pytest.raises(TypeError, match='must be a str'):
        tokenizer.encode(['a man'])
    with pytest.raises(ValueError, match='EOT id 4'):
        tokenizer.encode('a man [EOT] with a bag')
    with pytest.raises(ValueError, match=r'1-D tensor\), got shape \(1, 77\)'):
        tokenizer.decode(tokenizer('a man')['input_ids'][None])
    with pytest.raises(ValueError, match='max_length must be an int >= 2'):
        WordLevelTokenizer(vocab_file=str(tmp_path / 'vocab' /
                                          'tokenizer.json'),
                           max_length=1)


def test_build_from_registry(tmp_path, corpus):
    vocab_file = str(tmp_path / 'tokenizer.json')
    tokenizer = TOKENIZERS.build(
        dict(type='WordLevelTokenizer',
             vocab_file=vocab_file,
             corpus=corpus,
             max_length=32))
    assert isinstance(tokenizer, WordLevelTokenizer)
    assert tokenizer('a man')['input_ids'].shape == (32, )
    assert os.path.isfile(vocab_file)
