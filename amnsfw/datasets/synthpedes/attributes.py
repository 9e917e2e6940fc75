"""Attribute vocabulary of SynthPEDES and sampling of one identity.

An identity is a fixed set of *attributes* (what captions may mention and what
the oracle matches) plus a few *nuisance* properties (skin tone, hat colour,
build) that change how it looks but are never described. Priors are skewed
the way real pedestrian data are (dark clothes are common, skirts are worn
mostly by women) so that some descriptions are much rarer than others.
"""
import random
from dataclasses import asdict, dataclass
from typing import Dict, Optional, Sequence, Tuple, TypeVar, Union

RGB = Tuple[int, int, int]
AttributeValue = Union[str, bool, None]
T = TypeVar('T')

#: Clothing colours, chosen to stay distinct at 64 pixels wide.
COLOURS: Dict[str, RGB] = {
    'black': (25, 25, 28),
    'white': (236, 236, 232),
    'grey': (128, 128, 128),
    'red': (205, 30, 35),
    'blue': (35, 75, 205),
    'green': (35, 150, 55),
    'yellow': (240, 210, 40),
    'purple': (125, 50, 165),
    'pink': (245, 135, 185),
    'brown': (120, 75, 35),
    'orange': (245, 130, 20),
}
#: Hair colours; names are the words the captions use.
HAIR_COLOURS: Dict[str, RGB] = {
    'black': (18, 16, 16),
    'brown': (105, 62, 28),
    'blonde': (225, 195, 115),
    'grey': (175, 175, 172),
}
SKIN_TONES: Tuple[RGB, ...] = ((250, 215, 185), (225, 180, 145),
                               (190, 140, 100), (140, 95, 65), (95, 65, 45))

GENDERS = ('man', 'woman')
HAIR_STYLES = ('short', 'long', 'ponytail')
UPPER_TYPES = ('t-shirt', 'shirt', 'jacket', 'coat')
LOWER_TYPES = ('trousers', 'shorts', 'skirt')
BAG_TYPES = ('none', 'backpack', 'handbag', 'shoulder bag')

#: Every attribute a caption may mention, in the order captions list them.
ATTRIBUTE_KEYS: Tuple[str, ...] = ('gender', 'hair_style', 'hair_color',
                                   'upper_type', 'upper_color', 'lower_type',
                                   'lower_color', 'shoes_color', 'bag_type',
                                   'bag_color', 'hat', 'glasses')

# Sampling weights, aligned with the tuples above.
_COLOUR_WEIGHTS = (20, 12, 10, 8, 14, 7, 5, 5, 5, 7, 5)
_SHOES_WEIGHTS = (40, 25, 12, 3, 5, 2, 2, 1, 2, 7, 1)
_HAIR_COLOUR_WEIGHTS = (45, 30, 15, 10)
_HAIR_STYLE_WEIGHTS = {'man': (85, 10, 5), 'woman': (20, 55, 25)}
_LOWER_WEIGHTS = {'man': (70, 30, 0), 'woman': (50, 15, 35)}
_UPPER_WEIGHTS = (35, 25, 25, 15)
_BAG_WEIGHTS = (35, 30, 15, 20)
_HAT_PROBABILITY = 0.15
_GLASSES_PROBABILITY = 0.2


@dataclass(frozen=True)
class Identity:
    """One synthetic pedestrian.

    Args:
        gender (str): ``'man'`` or ``'woman'``; sets the build.
        hair_style (str): One of :data:`HAIR_STYLES`.
        hair_color (str): A key of :data:`HAIR_COLOURS`.
        upper_type (str): One of :data:`UPPER_TYPES`.
        upper_color (str): A key of :data:`COLOURS`.
        lower_type (str): One of :data:`LOWER_TYPES`.
        lower_color (str): A key of :data:`COLOURS`.
        shoes_color (str): A key of :data:`COLOURS`.
        bag_type (str): One of :data:`BAG_TYPES`.
        bag_color (str, optional): A key of :data:`COLOURS`; None without a
            bag.
        hat (bool): Whether the person wears a cap.
        glasses (bool): Whether the person wears glasses.
        skin (RGB): Skin colour (nuisance, never described).
        hat_rgb (RGB): Colour of the cap (nuisance, never described).
        inner_rgb (RGB): Colour of the shirt under an open jacket or coat
            (nuisance, never described).
        width (float): Horizontal build factor around 1 (nuisance).
    """

    gender: str
    hair_style: str
    hair_color: str
    upper_type: str
    upper_color: str
    lower_type: str
    lower_color: str
    shoes_color: str
    bag_type: str
    bag_color: Optional[str]
    hat: bool
    glasses: bool
    skin: RGB
    hat_rgb: RGB
    inner_rgb: RGB
    width: float

    def attributes(self) -> Dict[str, AttributeValue]:
        """Return the describable attributes, keyed by :data:`ATTRIBUTE_KEYS`.

        Returns:
            dict: Attribute name to value (JSON serialisable).
        """
        values = asdict(self)
        return {key: values[key] for key in ATTRIBUTE_KEYS}

    def mentionable(self) -> Tuple[str, ...]:
        """Return the attributes a caption can state about this identity.

        Absent accessories are not described (nobody writes "no hat"), but
        carrying no bag is ("without a bag"), as in real captions.

        Returns:
            tuple[str]: A subsequence of :data:`ATTRIBUTE_KEYS`.
        """
        absent = {
            'bag_color': self.bag_color is None,
            'hat': not self.hat,
            'glasses': not self.glasses,
        }
        return tuple(
            key for key in ATTRIBUTE_KEYS if not absent.get(key, False))


def _pick(rng: random.Random, options: Sequence[T],
          weights: Sequence[float]) -> T:
    """Draw one option with the given weights."""
    return rng.choices(options, weights=weights)[0]


def _other_colour(rng: random.Random, avoid: str) -> RGB:
    """Draw a clothing colour different from ``avoid``."""
    name = rng.choice([name for name in COLOURS if name != avoid])
    return COLOURS[name]


def sample_identity(rng: random.Random) -> Identity:
    """Draw one identity from the attribute priors.

    Args:
        rng (random.Random): Source of randomness; the only state used.

    Returns:
        Identity: The sampled person.
    """
    colours = tuple(COLOURS)
    gender = rng.choice(GENDERS)
    upper_color = _pick(rng, colours, _COLOUR_WEIGHTS)
    bag_type = _pick(rng, BAG_TYPES, _BAG_WEIGHTS)
    bag_color = (None if bag_type == 'none' else _pick(rng, colours,
                                                       _COLOUR_WEIGHTS))
    return Identity(
        gender=gender,
        hair_style=_pick(rng, HAIR_STYLES, _HAIR_STYLE_WEIGHTS[gender]),
        hair_color=_pick(rng, tuple(HAIR_COLOURS), _HAIR_COLOUR_WEIGHTS),
        upper_type=_pick(rng, UPPER_TYPES, _UPPER_WEIGHTS),
        upper_color=upper_color,
        lower_type=_pick(rng, LOWER_TYPES, _LOWER_WEIGHTS[gender]),
        lower_color=_pick(rng, colours, _COLOUR_WEIGHTS),
        shoes_color=_pick(rng, colours, _SHOES_WEIGHTS),
        bag_type=bag_type,
        bag_color=bag_color,
        hat=rng.random() < _HAT_PROBABILITY,
        glasses=rng.random() < _GLASSES_PROBABILITY,
        skin=rng.choice(SKIN_TONES),
        hat_rgb=COLOURS[rng.choice(colours)],
        inner_rgb=_other_colour(rng, upper_color),
        width=rng.uniform(0.9, 1.1),
    )
