import random

from amnsfw.datasets.synthpedes.attributes import sample_identity
from amnsfw.datasets.synthpedes.captions import tokenize, write_caption
from amnsfw.datasets.synthpedes.web_captions import (WEB_MAX_MENTIONS,
                                                     WEB_MIN_MENTIONS,
                                                     write_web_caption)

GENDER_WORDS = {
    'man': {'man', 'guy', 'dude', 'male', 'gentleman'},
    'woman': {'woman', 'girl', 'lady', 'female'},
}


def _web_captions(count=400, seed=0, **kwargs):
    rng = random.Random(seed)
    for _ in range(count):
        person = sample_identity(rng)
        text, keys = write_web_caption(person, rng, **kwargs)
        yield person, text, keys


def test_mentions_fewer_attributes_than_fine_tuning_captions():
    web = [len(keys) for _, _, keys in _web_captions()]
    assert min(web) == WEB_MIN_MENTIONS and max(web) == WEB_MAX_MENTIONS
    rng = random.Random(1)
    fine = [len(write_caption(sample_identity(rng), rng)[1])
            for _ in range(400)]
    assert sum(web) / len(web) < sum(fine) / len(fine) - 1


def test_max_mentions_is_respected():
    assert max(len(keys) for _, _, keys in _web_captions(max_mentions=2)) == 2


def test_mentions_only_the_persons_attributes():
    for person, _, keys in _web_captions():
        assert set(keys) <= set(person.mentionable())


def test_gender_is_stated_only_when_mentioned():
    for person, text, keys in _web_captions():
        words = set(tokenize(text))
        other = 'woman' if person.gender == 'man' else 'man'
        assert not words & GENDER_WORDS[other], text
        assert bool(words & GENDER_WORDS[person.gender]) == ('gender'
                                                             in keys), text


def test_style_differs_from_fine_tuning_captions():
    web = [text for _, text, _ in _web_captions()]
    assert all(text == text.lower() and not text.endswith('.') for text in web)
    words = {word for text in web for word in tokenize(text)}
    assert {'jeans', 'tote', 'kicks'} & words
    rng = random.Random(0)
    fine_words = {word for _ in range(400)
                  for word in tokenize(write_caption(sample_identity(rng),
                                                     rng)[0])}
    assert words - fine_words and fine_words - words
