"""Captions for SynthPEDES: sentence templates with synonyms.

Each caption states a random subset of :data:`MIN_MENTIONS` to
:data:`MAX_MENTIONS` of an identity's mentionable attributes, with a random
sentence structure and random synonyms, so two captions of one image rarely
share their wording or their content. A caption never leaks an attribute it
does not count as mentioned: without the gender word the subject is a
"person" and is referred to as such, never as "he" or "she".
"""
import random
import re
from typing import Dict, List, Optional, Sequence, Set, Tuple

from .attributes import ATTRIBUTE_KEYS, Identity

MIN_MENTIONS = 3
MAX_MENTIONS = 5

_SUBJECTS: Dict[Optional[str], Tuple[str, ...]] = {
    'man': ('man', 'male', 'guy', 'gentleman'),
    'woman': ('woman', 'female', 'lady', 'girl'),
    None: ('person', 'pedestrian', 'individual'),
}
_PRONOUNS = {'man': 'he', 'woman': 'she'}
_COLOUR_WORDS = {'grey': ('grey', 'gray'), 'blonde': ('blonde', 'blond')}
# Garment nouns per type, each with whether it is plural (takes no article).
_UPPER_NOUNS = {
    't-shirt':
    (('t-shirt', False), ('tee', False), ('short-sleeved shirt', False)),
    'shirt': (('long-sleeved shirt', False), ('long sleeve shirt', False),
              ('long-sleeved top', False)),
    'jacket': (('jacket', False), ('open jacket', False)),
    'coat': (('coat', False), ('long coat', False), ('overcoat', False)),
    None: (('top', False), ('upper garment', False)),
}
_LOWER_NOUNS = {
    'trousers': (('trousers', True), ('pants', True), ('long pants', True)),
    'shorts': (('shorts', True), ('short pants', True)),
    'skirt': (('skirt', False), ('knee-length skirt', False)),
    None: (('bottoms', True), ('lower garment', False)),
}
_BAG_NOUNS = {
    'backpack': ('backpack', 'rucksack'),
    'handbag': ('handbag', 'purse'),
    'shoulder bag': ('shoulder bag', 'messenger bag', 'cross-body bag'),
    None: ('bag', ),
}
_SHOES_NOUNS = (('shoes', True), ('sneakers', True), ('footwear', True))
_HAT_NOUNS = ('cap', 'hat', 'baseball cap')
_GLASSES_NOUNS = ('glasses', 'eyeglasses', 'spectacles')
_NO_BAG_CLAUSES = ('without a bag', 'with no bag', 'carrying nothing')
_NO_BAG_PREDICATES = ('is not carrying a bag', 'has no bag', 'carries nothing')


def tokenize(caption: str) -> List[str]:
    """Split a caption into lower-case word tokens, dropping punctuation.

    Args:
        caption (str): The caption text.

    Returns:
        list[str]: Tokens, e.g. ``['a', 'man', 'in', 'a', 't-shirt']``.
    """
    return re.findall(r"[a-z0-9]+(?:-[a-z0-9]+)*", caption.lower())


def _article(phrase: str) -> str:
    """Prefix ``phrase`` with "a" or "an"."""
    return ('an ' if phrase[0] in 'aeiou' else 'a ') + phrase


def _noun_phrase(noun: str, plural: bool, colour: Optional[str]) -> str:
    """Return e.g. "a red jacket", "blue trousers" or "a jacket"."""
    phrase = f'{colour} {noun}' if colour else noun
    return phrase if plural else _article(phrase)


def _join(items: Sequence[str]) -> str:
    """Join as "x", "x and y" or "x, y and z"."""
    if len(items) == 1:
        return items[0]
    return ', '.join(items[:-1]) + ' and ' + items[-1]


class _Phrases:
    """Noun phrases for the attributes one caption mentions.

    Args:
        person (Identity): Who is described.
        keys (set[str]): The attributes to mention.
        rng (random.Random): Source of synonyms.
    """

    def __init__(self, person: Identity, keys: Set[str],
                 rng: random.Random) -> None:
        self.person = person
        self.keys = keys
        self.rng = rng

    def colour(self, key: str) -> Optional[str]:
        """Return a word for colour attribute ``key`` if it is mentioned."""
        if key not in self.keys:
            return None
        name = getattr(self.person, key)
        return self.rng.choice(_COLOUR_WORDS.get(name, (name, )))

    def kind(self, key: str) -> Optional[str]:
        """Return the value of type attribute ``key`` if it is mentioned."""
        return getattr(self.person, key) if key in self.keys else None

    def subject(self) -> str:
        """Return the gender noun if mentioned, else a neutral one."""
        gender = self.kind('gender')
        return self.rng.choice(_SUBJECTS[gender])

    def hair(self) -> Optional[str]:
        """Return e.g. "short black hair" or "a ponytail", or None."""
        style, colour = self.kind('hair_style'), self.colour('hair_color')
        if style is None and colour is None:
            return None
        if style == 'ponytail':
            if colour is None:
                return self.rng.choice(
                    ('a ponytail', 'hair tied in a ponytail'))
            return self.rng.choice(
                (f'{colour} hair in a ponytail', f'a {colour} ponytail'))
        return ' '.join(word for word in (style, colour, 'hair') if word)

    def worn(self) -> List[str]:
        """Return the phrases for garments and accessories, top to bottom."""
        items = []
        for key, nouns in (('upper', _UPPER_NOUNS), ('lower', _LOWER_NOUNS)):
            kind, colour = self.kind(f'{key}_type'), self.colour(
                f'{key}_color')
            if kind is not None or colour is not None:
                noun, plural = self.rng.choice(nouns[kind])
                items.append(_noun_phrase(noun, plural, colour))
        if 'shoes_color' in self.keys:
            noun, plural = self.rng.choice(_SHOES_NOUNS)
            items.append(
                _noun_phrase(noun, plural, self.colour('shoes_color')))
        if 'hat' in self.keys:
            items.append(_article(self.rng.choice(_HAT_NOUNS)))
        if 'glasses' in self.keys:
            items.append(self.rng.choice(_GLASSES_NOUNS))
        return items

    def bag(self) -> Optional[str]:
        """Return the bag phrase, ``''`` for "no bag", or None."""
        kind, colour = self.kind('bag_type'), self.colour('bag_color')
        if kind == 'none':
            return ''
        if kind is None and colour is None:
            return None
        return _noun_phrase(self.rng.choice(_BAG_NOUNS[kind]), False, colour)


def _noun_caption(phrases: _Phrases, subject: str, hair: Optional[str],
                  worn: List[str], bag: Optional[str]) -> str:
    """Style "A man with short hair wearing a red t-shirt and carrying..."."""
    rng = phrases.rng
    clauses = []
    verbs = ['wearing', 'dressed in']
    if hair is None:
        verbs.append('in')
    else:
        clauses.append(f'with {hair}')
    if worn:
        verb = rng.choice(verbs)
        clauses.append(f'{verb} {_join(worn)}')
    if bag == '':
        clauses.append(rng.choice(_NO_BAG_CLAUSES))
    elif bag is not None:
        clauses.append(rng.choice(('carrying', 'with')) + ' ' + bag)
    opener = rng.choice((_article(subject), f'the {subject}'))
    if len(clauses) > 1:
        clauses[-1] = 'and ' + clauses[-1]
    return ' '.join([opener] + clauses) + '.'


def _predicates(phrases: _Phrases, hair: Optional[str], worn: List[str],
                bag: Optional[str]) -> List[str]:
    """Return verb phrases such as "is wearing a red t-shirt"."""
    rng = phrases.rng
    predicates = []
    if hair is not None:
        predicates.append(f'has {hair}')
    if worn:
        predicates.append(
            rng.choice(('is wearing', 'wears', 'is dressed in')) + ' ' +
            _join(worn))
    if bag == '':
        predicates.append(rng.choice(_NO_BAG_PREDICATES))
    elif bag is not None:
        predicates.append(
            rng.choice(('is carrying', 'carries', 'has')) + ' ' + bag)
    return predicates


def _sentence_caption(phrases: _Phrases, subject: str, hair: Optional[str],
                      worn: List[str], bag: Optional[str]) -> str:
    """Style "The man has short hair. He is wearing a red t-shirt."."""
    rng = phrases.rng
    predicates = _predicates(phrases, hair, worn, bag)
    gender = phrases.kind('gender')
    reference = _PRONOUNS.get(gender, f'the {subject}')
    sentences = [f'{rng.choice(("the", "this"))} {subject} {predicates[0]}']
    sentences += [f'{reference} {predicate}' for predicate in predicates[1:]]
    return ' '.join(sentence[0].upper() + sentence[1:] + '.'
                    for sentence in sentences)


def _single_sentence_caption(phrases: _Phrases, subject: str,
                             hair: Optional[str], worn: List[str],
                             bag: Optional[str]) -> str:
    """Style "This man is wearing a red t-shirt and has short hair."."""
    rng = phrases.rng
    predicates = _predicates(phrases, hair, worn, bag)
    rng.shuffle(predicates)
    opener = rng.choice(
        (f'the {subject}', f'this {subject}', _article(subject)))
    return f'{opener} {_join(predicates)}.'


_STYLES = (_noun_caption, _sentence_caption, _single_sentence_caption)


def write_caption(person: Identity,
                  rng: random.Random) -> Tuple[str, Tuple[str, ...]]:
    """Describe ``person`` by a random subset of its attributes.

    Args:
        person (Identity): Who to describe.
        rng (random.Random): Source of the subset, template and synonyms.

    Returns:
        tuple[str, tuple[str]]: The caption and the attributes it mentions,
        in :data:`~.attributes.ATTRIBUTE_KEYS` order.
    """
    available = person.mentionable()
    count = rng.randint(MIN_MENTIONS, min(MAX_MENTIONS, len(available)))
    keys = set(rng.sample(available, count))
    phrases = _Phrases(person, keys, rng)
    style = rng.choice(_STYLES)
    text = style(phrases, phrases.subject(), phrases.hair(), phrases.worn(),
                 phrases.bag())
    return text[0].upper() + text[1:], tuple(key for key in ATTRIBUTE_KEYS
                                             if key in keys)
