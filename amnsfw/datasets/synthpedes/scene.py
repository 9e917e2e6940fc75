"""Composing one camera image: background, figure, occlusion and lighting.

Each image of an identity varies in pose, position, scale, background,
lighting, blur, mirroring and, sometimes, a block occluding part of the
person, so that a model has to look at the clothes rather than the pixels.
The figure is drawn at twice the output size and box-filtered down, which
gives anti-aliased edges.
"""
import random
from typing import Tuple

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from .attributes import Identity
from .render import Placement, draw_person, sample_pose

SUPERSAMPLE = 2
OCCLUSION_PROBABILITY = 0.15
BLUR_PROBABILITY = 0.3
# Background clutter as (rows, columns) of random colour cells.
_BACKGROUND_GRIDS = ((1, 1), (2, 1), (3, 2), (6, 3), (12, 4))


def _muted(rng: np.random.Generator, shape: Tuple[int, ...]) -> np.ndarray:
    """Draw colours pulled half way towards their own grey level."""
    colour = rng.uniform(40, 220, shape + (3, ))
    return 0.5 * colour + 0.5 * colour.mean(axis=-1, keepdims=True)


def _background(rng: np.random.Generator, size: Tuple[int,
                                                      int]) -> Image.Image:
    """Return a smooth, cluttered or street-like background of ``size``."""
    rows, cols = _BACKGROUND_GRIDS[rng.integers(len(_BACKGROUND_GRIDS))]
    cells = _muted(rng, ()) + rng.normal(0, 25, (rows, cols, 3))
    if rows > 1 and rng.random() < 0.5:
        ground = _muted(rng, ())
        cells[rows // 2 + rng.integers(rows - rows // 2):] = ground
    small = Image.fromarray(np.clip(cells, 0, 255).astype(np.uint8))
    return small.resize(size, Image.BILINEAR)


def _occlude(draw: ImageDraw.ImageDraw, rng: random.Random,
             size: Tuple[int, int], place: Placement) -> None:
    """Cover the lower body (a car, a bench) or one side (a passer-by)."""
    width, height = size
    colour = tuple(
        int(c) for c in _muted(np.random.default_rng(rng.getrandbits(32)), ()))
    if rng.random() < 0.5:
        y0 = place.top + place.height * rng.uniform(0.55, 0.8)
        box = [0, y0, width, height]
    else:
        x1 = width * rng.uniform(0.25, 0.45)
        box = [0, height * rng.uniform(0.1, 0.5), x1, height]
    draw.rectangle(box, fill=colour)


def _light(image: Image.Image, rng: random.Random) -> Image.Image:
    """Change brightness, contrast and white balance."""
    pixels = np.asarray(image, dtype=np.float32)
    contrast = rng.uniform(0.75, 1.2)
    brightness = rng.uniform(-25, 25)
    gains = np.array([rng.uniform(0.93, 1.07) for _ in range(3)],
                     dtype=np.float32)
    pixels = ((pixels - 128) * contrast + 128 + brightness) * gains
    return Image.fromarray(np.clip(pixels + 0.5, 0, 255).astype(np.uint8))


def render_image(
    person: Identity, rng: random.Random,
    size: Tuple[int, int] = (192, 64)) -> Image.Image:
    """Render one camera view of ``person``.

    Args:
        person (Identity): Who to show.
        rng (random.Random): Source of all per-image variation.
        size (tuple[int, int]): Output (height, width) in pixels.
            Defaults to (192, 64).

    Returns:
        Image.Image: An RGB image of the requested size.
    """
    height, width = size
    big = (width * SUPERSAMPLE, height * SUPERSAMPLE)
    canvas = _background(np.random.default_rng(rng.getrandbits(64)), big)
    figure = big[1] * rng.uniform(0.78, 0.95)
    place = Placement(
        centre_x=big[0] * (0.5 + rng.uniform(-0.05, 0.05)),
        top=rng.uniform(0.01 * big[1], 0.99 * big[1] - figure),
        height=figure,
        width_factor=person.width)
    draw = ImageDraw.Draw(canvas)
    draw_person(draw, person, sample_pose(rng), place)
    if rng.random() < OCCLUSION_PROBABILITY:
        _occlude(draw, rng, big, place)
    image = canvas.resize((width, height), Image.BOX)
    if rng.random() < 0.5:
        image = image.transpose(Image.FLIP_LEFT_RIGHT)
    if rng.random() < BLUR_PROBABILITY:
        image = image.filter(ImageFilter.GaussianBlur(rng.uniform(0.3, 0.8)))
    return _light(image, rng)
