import random

from amnsfw.datasets.synthpedes.attributes import (ATTRIBUTE_KEYS, COLOURS,
                                                   HAIR_COLOURS,
                                                   sample_identity)
from amnsfw.datasets.synthpedes.captions import tokenize, write_caption

GENDER_WORDS = {
    'man': {'man', 'male', 'guy', 'gentleman', 'he'},
    'woman': {'woman', 'female', 'lady', 'girl', 'she'},
}
COLOUR_WORDS = set(COLOURS) | set(HAIR_COLOURS) | {'gray', 'blond'}
SYNONYMS = {'gray': 'grey', 'blond': 'blonde'}


def _captions(count=300, seed=0):
    rng = random.Random(seed)
    for _ in range(count):
        person = sample_identity(rng)
        text, keys = write_caption(person, rng)
        yield person, text, keys


def test_mentions_three_to_five_mentionable_attributes():
    for person, _, keys in _captions():
        assert 3 <= len(keys) <= 5
        assert set(keys) <= set(person.mentionable())
        assert list(keys) == [key for key in ATTRIBUTE_KEYS if key in keys]


def test_gender_is_stated_only_when_mentioned():
    for person, text, keys in _captions():
        words = set(tokenize(text))
        other = 'woman' if person.gender == 'man' else 'man'
        assert not words & GENDER_WORDS[other], text
        assert bool(words & GENDER_WORDS[person.gender]) == ('gender'
                                                             in keys), text


def test_colour_words_are_exactly_the_mentioned_colours():
    for person, text, keys in _captions():
        said = {
            SYNONYMS.get(word, word)
            for word in tokenize(text) if word in COLOUR_WORDS
        }
        true = {getattr(person, key) for key in keys if key.endswith('_color')}
        assert said == true, (text, keys)


def test_accessories_are_named_only_when_mentioned():
    for _, text, keys in _captions():
        words = set(tokenize(text))
        assert bool(words & {'cap', 'hat'}) == ('hat' in keys), text
        assert bool(words & {'glasses', 'eyeglasses', 'spectacles'}) == (
            'glasses' in keys), text


def test_same_seed_same_caption():
    assert list(_captions(20, seed=4)) == list(_captions(20, seed=4))
    assert list(_captions(20, seed=4)) != list(_captions(20, seed=5))


def test_tokenize_lowercases_and_drops_punctuation():
    assert tokenize('The man wears a T-shirt. He has no bag.') == [
        'the', 'man', 'wears', 'a', 't-shirt', 'he', 'has', 'no', 'bag'
    ]
