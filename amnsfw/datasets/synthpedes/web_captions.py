"""Loose "web alt-text" captions for the SynthPEDES-Pretrain corpus.

Pretraining captions deliberately differ from the fine-tuning captions of
:mod:`.captions`, as web alt-text differs from CUHK-PEDES annotations: they are
short (1 to :data:`WEB_MAX_MENTIONS` attributes, against 3 to 5), lower-case,
written from their own templates ("woman in red coat", "red coat, black
backpack", "photo of a guy with a ponytail") and partly their own words
("jeans", "tote", "kicks"), and a fraction of them (:data:`LOOSE_PROBABILITY`)
describe somebody else entirely, as loosely related alt-text does. Like the
fine-tuning captions they never leak an attribute they do not mention.
"""
import random
from typing import Dict, List, Optional, Tuple

from .attributes import ATTRIBUTE_KEYS, Identity

WEB_MIN_MENTIONS = 1
WEB_MAX_MENTIONS = 4
#: Fraction of captions that describe another, random person.
LOOSE_PROBABILITY = 0.03

_WEB_SUBJECTS: Dict[Optional[str], Tuple[str, ...]] = {
    'man': ('man', 'guy', 'dude', 'male', 'gentleman'),
    'woman': ('woman', 'girl', 'lady', 'female'),
    None: ('person', 'someone', 'pedestrian'),
}
_WEB_GARMENTS = {
    't-shirt': ('t-shirt', 'tee', 'tshirt'),
    'shirt': ('shirt', 'long-sleeved shirt', 'button-up'),
    'jacket': ('jacket', 'bomber jacket'),
    'coat': ('coat', 'overcoat', 'trench coat'),
    'trousers': ('jeans', 'pants', 'trousers'),
    'shorts': ('shorts', ),
    'skirt': ('skirt', 'mini skirt'),
    'backpack': ('backpack', 'bookbag'),
    'handbag': ('handbag', 'tote', 'purse'),
    'shoulder bag': ('shoulder bag', 'satchel', 'crossbody bag'),
}
#: Nouns for a colour whose garment type is not mentioned.
_WEB_UNTYPED = {'upper': 'top', 'lower': 'bottoms', 'bag': 'bag'}
_WEB_SHOES = ('shoes', 'sneakers', 'kicks', 'trainers')
_WEB_HATS = ('cap', 'hat')
_WEB_GLASSES = ('glasses', 'sunglasses', 'specs')
_WEB_COLOUR_WORDS = {'grey': ('grey', 'gray'), 'blonde': ('blonde', 'blond')}

_WEB_TEMPLATES = (
    '{subject} in {items}',
    '{subject} wearing {items}',
    '{subject} with {items}',
    '{items}',
    'photo of a {subject} in {items}',
    'street style: {subject}, {items}',
    '{items} outfit',
)


def _colour_word(rng: random.Random, name: str) -> str:
    return rng.choice(_WEB_COLOUR_WORDS.get(name, (name, )))


def _garment(rng: random.Random, person: Identity, keys, part: str,
             type_key: str, colour_key: str) -> Optional[str]:
    """E.g. "red jeans", "jeans" or "red bottoms", or None if neither the
    type nor the colour of ``part`` is mentioned."""
    kind = getattr(person, type_key) if type_key in keys else None
    colour = getattr(person, colour_key) if colour_key in keys else None
    if kind is None and colour is None:
        return None
    noun = (_WEB_UNTYPED[part] if kind is None else rng.choice(
        _WEB_GARMENTS[kind]))
    return noun if colour is None else f'{_colour_word(rng, colour)} {noun}'


def _items(rng: random.Random, person: Identity, keys) -> List[str]:
    """The phrases of the mentioned attributes (gender excluded)."""
    items = []
    style = person.hair_style if 'hair_style' in keys else None
    colour = (_colour_word(rng, person.hair_color)
              if 'hair_color' in keys else None)
    if style == 'ponytail':
        items.append(f'{colour} ponytail' if colour else 'ponytail')
    elif style is not None or colour is not None:
        items.append(' '.join(w for w in (style, colour, 'hair') if w))
    for part, type_key, colour_key in (('upper', 'upper_type', 'upper_color'),
                                       ('lower', 'lower_type', 'lower_color')):
        phrase = _garment(rng, person, keys, part, type_key, colour_key)
        if phrase:
            items.append(phrase)
    if 'shoes_color' in keys:
        items.append(f'{_colour_word(rng, person.shoes_color)} '
                     f'{rng.choice(_WEB_SHOES)}')
    if person.bag_type == 'none':
        if 'bag_type' in keys:
            items.append('no bag')
    else:
        phrase = _garment(rng, person, keys, 'bag', 'bag_type', 'bag_color')
        if phrase:
            items.append(phrase)
    if 'hat' in keys:
        items.append(rng.choice(_WEB_HATS))
    if 'glasses' in keys:
        items.append(rng.choice(_WEB_GLASSES))
    return items


def write_web_caption(person: Identity,
                      rng: random.Random,
                      max_mentions: int = WEB_MAX_MENTIONS
                      ) -> Tuple[str, Tuple[str, ...]]:
    """Describe ``person`` loosely by 1 to ``max_mentions`` of its
    attributes.

    Args:
        person (Identity): Who to describe.
        rng (random.Random): Source of the subset, template and words.
        max_mentions (int): Most attributes mentioned. Defaults to
            :data:`WEB_MAX_MENTIONS`.

    Returns:
        tuple[str, tuple[str]]: A short lower-case caption such as "guy in
        black jeans", and the attributes it mentions in
        :data:`~.attributes.ATTRIBUTE_KEYS` order.
    """
    available = person.mentionable()
    count = rng.randint(WEB_MIN_MENTIONS, min(max_mentions, len(available)))
    keys = set(rng.sample(available, count))
    gender = person.gender if 'gender' in keys else None
    subject = rng.choice(_WEB_SUBJECTS[gender])
    items = _items(rng, person, keys)
    mentioned = tuple(key for key in ATTRIBUTE_KEYS if key in keys)
    if not items:  # only the gender is mentioned
        return rng.choice((subject, f'a {subject}',
                           f'photo of a {subject}')), mentioned
    template = rng.choice(_WEB_TEMPLATES)
    if gender is not None and '{subject}' not in template:
        template = '{subject} in {items}'
    rng.shuffle(items)
    return template.format(subject=subject, items=', '.join(items)), mentioned
