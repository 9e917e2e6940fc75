import random

import numpy as np

from amnsfw.datasets.synthpedes.attributes import COLOURS, sample_identity
from amnsfw.datasets.synthpedes.scene import render_image


def test_render_size_and_determinism():
    person = sample_identity(random.Random(0))
    image = render_image(person, random.Random(1), (96, 32))
    assert image.size == (32, 96) and image.mode == 'RGB'
    again = render_image(person, random.Random(1), (96, 32))
    other = render_image(person, random.Random(2), (96, 32))
    assert np.array_equal(np.asarray(image), np.asarray(again))
    assert not np.array_equal(np.asarray(image), np.asarray(other))


def test_figure_shows_its_upper_garment_colour():
    # Without occlusion the torso centre is the garment (or inner) colour,
    # so at least some pixels are close to the garment colour.
    rng = random.Random(3)
    for _ in range(10):
        person = sample_identity(rng)
        pixels = np.asarray(render_image(person, rng), dtype=np.float32)
        target = np.array(COLOURS[person.upper_color], dtype=np.float32)
        distance = np.abs(pixels - target).max(axis=-1)
        assert (distance < 70).mean() > 0.01
