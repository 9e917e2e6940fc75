"""Drawing one pedestrian figure with PIL.

The figure is laid out in *body units*: the person is 1 unit tall, ``u`` runs
left to right from the body's centre line and ``v`` runs down from the top of
the head. :class:`Placement` maps body units to pixels, so the same drawing
code serves every scale, position and build. The person faces the camera;
the caller mirrors the image to vary the side that bags hang from.
"""
import math
import random
from dataclasses import dataclass
from typing import List, Sequence, Tuple

from PIL import ImageDraw

from .attributes import COLOURS, HAIR_COLOURS, RGB, Identity

Point = Tuple[float, float]

# Body layout in body units (see the module docstring).
HEAD_V, HEAD_R = 0.075, 0.058
SHOULDER_V, WAIST_V, HIP_V = 0.165, 0.42, 0.49
UPPER_ARM, FOREARM, ARM_W = 0.15, 0.14, 0.045
LEG_LEN, LEG_W = 0.42, 0.062
# Half-widths (shoulder, waist, hip) per build.
BUILD = {'man': (0.115, 0.085, 0.088), 'woman': (0.097, 0.072, 0.1)}
DARK_RGB: RGB = (30, 30, 30)
LENS_RGB: RGB = (160, 185, 210)


@dataclass(frozen=True)
class Pose:
    """Limb angles of one image, in degrees away from straight down.

    Positive angles point away from the body's centre line.

    Args:
        arms (tuple[float, float]): Upper-arm angles (left, right).
        elbows (tuple[float, float]): Extra forearm angles (left, right).
        legs (tuple[float, float]): Leg angles (left, right).
        strides (tuple[float, float]): Apparent leg lengths as a fraction of
            the full length (a leg stepping towards the camera looks shorter).
    """

    arms: Tuple[float, float]
    elbows: Tuple[float, float]
    legs: Tuple[float, float]
    strides: Tuple[float, float]


def sample_pose(rng: random.Random) -> Pose:
    """Draw a walking or standing pose.

    Args:
        rng (random.Random): Source of randomness.

    Returns:
        Pose: The limb angles.
    """
    stride = rng.uniform(0.88, 1.0)
    strides = (stride, 1.0) if rng.random() < 0.5 else (1.0, stride)
    return Pose(
        arms=(rng.uniform(2, 12), rng.uniform(2, 12)),
        elbows=(rng.uniform(-8, 15), rng.uniform(-8, 15)),
        legs=(rng.uniform(0, 9), rng.uniform(0, 9)),
        strides=strides)


@dataclass(frozen=True)
class Placement:
    """Maps body units to pixels of the canvas.

    Args:
        centre_x (float): Pixel column of the body's centre line.
        top (float): Pixel row of the top of the head.
        height (float): Figure height in pixels.
        width_factor (float): Horizontal stretch (the identity's build).
    """

    centre_x: float
    top: float
    height: float
    width_factor: float

    def point(self, u: float, v: float) -> Point:
        """Return the pixel position of body point ``(u, v)``."""
        return (self.centre_x + u * self.height * self.width_factor,
                self.top + v * self.height)

    def length(self, units: float) -> float:
        """Return a stroke width of ``units`` body units in pixels."""
        return max(1.0, units * self.height * self.width_factor)


class _Painter:
    """Drawing primitives in body units on one ImageDraw.

    Args:
        draw (ImageDraw.ImageDraw): Target canvas.
        place (Placement): Body-unit to pixel mapping.
    """

    def __init__(self, draw: ImageDraw.ImageDraw, place: Placement) -> None:
        self.draw = draw
        self.place = place

    def polygon(self, points: Sequence[Point], colour: RGB) -> None:
        """Fill the polygon through body points ``points``."""
        self.draw.polygon([self.place.point(u, v) for u, v in points],
                          fill=colour)

    def ellipse(self, u: float, v: float, ru: float, rv: float,
                colour: RGB) -> None:
        """Fill the ellipse centred at ``(u, v)`` with radii ``ru, rv``."""
        x0, y0 = self.place.point(u - ru, v - rv)
        x1, y1 = self.place.point(u + ru, v + rv)
        self.draw.ellipse([x0, y0, x1, y1], fill=colour)

    def cap(self, u: float, v: float, r: float, colour: RGB) -> None:
        """Fill the top half of a circle (hair or a hat on the head)."""
        x0, y0 = self.place.point(u - r, v - r)
        x1, y1 = self.place.point(u + r, v + r)
        self.draw.pieslice([x0, y0, x1, y1], 180, 360, fill=colour)

    def limb(self, start: Point, end: Point, width: float,
             colour: RGB) -> None:
        """Draw a thick segment with round ends."""
        radius = self.place.length(width) / 2
        ends = [self.place.point(*start), self.place.point(*end)]
        self.draw.line(ends, fill=colour, width=round(2 * radius))
        for x, y in ends:
            self.draw.ellipse([x - radius, y - radius, x + radius, y + radius],
                              fill=colour)

    def rect(self, u0: float, v0: float, u1: float, v1: float,
             colour: RGB) -> None:
        """Fill the axis-aligned box from ``(u0, v0)`` to ``(u1, v1)``."""
        self.polygon([(u0, v0), (u1, v0), (u1, v1), (u0, v1)], colour)


def _limb_end(start: Point, angle: float, length: float, side: int) -> Point:
    """Return the far end of a limb hanging ``angle`` degrees outward."""
    rad = math.radians(angle)
    return (start[0] + side * length * math.sin(rad),
            start[1] + length * math.cos(rad))


def draw_person(draw: ImageDraw.ImageDraw, person: Identity, pose: Pose,
                place: Placement) -> None:
    """Draw ``person`` in ``pose`` at ``place`` onto ``draw``.

    Args:
        draw (ImageDraw.ImageDraw): Target canvas.
        person (Identity): Who to draw.
        pose (Pose): Limb angles of this image.
        place (Placement): Where and how large.
    """
    paint = _Painter(draw, place)
    shoulder, waist, hip = BUILD[person.gender]
    upper = COLOURS[person.upper_color]
    lower = COLOURS[person.lower_color]
    if person.bag_type == 'backpack':
        paint.rect(-shoulder - 0.025, SHOULDER_V + 0.01, shoulder + 0.025,
                   WAIST_V, COLOURS[person.bag_color])
    _draw_legs(paint, person, pose, hip)
    paint.polygon([(-shoulder, SHOULDER_V), (shoulder, SHOULDER_V),
                   (waist, WAIST_V), (-waist, WAIST_V)], upper)
    for side in (-1, 1):
        paint.ellipse(side * (shoulder - 0.02), SHOULDER_V + 0.02, 0.025,
                      0.022, upper)
    if person.lower_type == 'skirt':
        paint.polygon([(-waist, WAIST_V), (waist, WAIST_V), (hip + 0.05, 0.68),
                       (-hip - 0.05, 0.68)], lower)
    else:
        paint.polygon([(-waist, WAIST_V), (waist, WAIST_V),
                       (hip, HIP_V + 0.02), (-hip, HIP_V + 0.02)], lower)
    if person.upper_type == 'coat':
        paint.polygon([(-waist, WAIST_V - 0.05), (waist, WAIST_V - 0.05),
                       (hip + 0.04, 0.7), (-hip - 0.04, 0.7)], upper)
    if person.upper_type in ('jacket', 'coat'):
        paint.polygon([(-0.03, SHOULDER_V), (0.03, SHOULDER_V),
                       (0.012, WAIST_V - 0.02), (-0.012, WAIST_V - 0.02)],
                      person.inner_rgb)
    if person.bag_type == 'backpack':
        for side in (-1, 1):
            paint.limb((side * (shoulder - 0.04), SHOULDER_V),
                       (side * (shoulder - 0.045), 0.33), 0.022,
                       COLOURS[person.bag_color])
    hands = _draw_arms(paint, person, pose, shoulder)
    _draw_head(paint, person)
    _draw_side_bag(paint, person, shoulder, hip, hands[1])


def _draw_legs(paint: _Painter, person: Identity, pose: Pose,
               hip: float) -> None:
    """Draw both legs, trousers or shorts, and shoes."""
    lower = COLOURS[person.lower_color]
    cloth = {'trousers': 1.0, 'shorts': 0.45, 'skirt': 0.0}[person.lower_type]
    for index, side in enumerate((-1, 1)):
        start = (side * (hip - 0.035), HIP_V - 0.01)
        length = LEG_LEN * pose.strides[index]
        end = _limb_end(start, pose.legs[index], length, side)
        paint.limb(start, end, LEG_W, person.skin)
        if cloth > 0:
            knee = _limb_end(start, pose.legs[index], length * cloth, side)
            paint.limb(start, knee, LEG_W + 0.006, lower)
        paint.ellipse(end[0] + side * 0.01, end[1] + 0.012, 0.04, 0.022,
                      COLOURS[person.shoes_color])


def _draw_arms(paint: _Painter, person: Identity, pose: Pose,
               shoulder: float) -> List[Point]:
    """Draw both arms with sleeves; return the hand positions (left, right)."""
    upper = COLOURS[person.upper_color]
    forearm_rgb = person.skin if person.upper_type == 't-shirt' else upper
    hands = []
    for index, side in enumerate((-1, 1)):
        start = (side * (shoulder - 0.022), SHOULDER_V + 0.02)
        angle = pose.arms[index]
        if person.bag_type == 'handbag' and side == 1:
            angle = min(angle, 8.0)
        elbow = _limb_end(start, angle, UPPER_ARM, side)
        hand = _limb_end(elbow, angle + pose.elbows[index], FOREARM, side)
        paint.limb(elbow, hand, ARM_W * 0.9, forearm_rgb)
        paint.limb(start, elbow, ARM_W, upper)
        paint.ellipse(hand[0], hand[1], 0.024, 0.022, person.skin)
        hands.append(hand)
    return hands


def _draw_head(paint: _Painter, person: Identity) -> None:
    """Draw neck, face, glasses or eyes, hair and hat."""
    hair = HAIR_COLOURS[person.hair_color]
    paint.rect(-0.022, HEAD_V + 0.04, 0.022, SHOULDER_V + 0.01, person.skin)
    paint.ellipse(0, HEAD_V, HEAD_R, HEAD_R * 1.1, person.skin)
    if person.glasses:
        paint.limb((-0.04, HEAD_V - 0.004), (0.04, HEAD_V - 0.004), 0.018,
                   DARK_RGB)
        for side in (-1, 1):
            paint.ellipse(side * 0.022, HEAD_V - 0.004, 0.012, 0.006, LENS_RGB)
    else:
        for side in (-1, 1):
            paint.ellipse(side * 0.022, HEAD_V - 0.004, 0.007, 0.006, DARK_RGB)
    paint.cap(0, HEAD_V - 0.012, HEAD_R + 0.006, hair)
    if person.hair_style == 'long':
        for side in (-1, 1):
            paint.limb((side * (HEAD_R - 0.004), HEAD_V - 0.01),
                       (side * (HEAD_R + 0.012), 0.23), 0.034, hair)
    elif person.hair_style == 'ponytail':
        paint.limb((HEAD_R * 0.8, HEAD_V - 0.03), (HEAD_R + 0.03, 0.16), 0.032,
                   hair)
    if person.hat:
        paint.cap(0, HEAD_V - 0.02, HEAD_R + 0.012, person.hat_rgb)
        paint.limb((-HEAD_R - 0.01, HEAD_V - 0.02),
                   (HEAD_R + 0.04, HEAD_V - 0.02), 0.016, person.hat_rgb)


def _draw_side_bag(paint: _Painter, person: Identity, shoulder: float,
                   hip: float, hand: Point) -> None:
    """Draw a shoulder bag or a handbag (hanging from the right hand)."""
    if person.bag_type == 'shoulder bag':
        colour = COLOURS[person.bag_color]
        paint.limb((-(shoulder - 0.03), SHOULDER_V),
                   (hip + 0.02, HIP_V - 0.04), 0.016, colour)
        paint.rect(hip - 0.015, HIP_V - 0.05, hip + 0.07, HIP_V + 0.03, colour)
    elif person.bag_type == 'handbag':
        colour = COLOURS[person.bag_color]
        top = hand[1] + 0.025
        paint.limb((hand[0] - 0.025, top), hand, 0.01, colour)
        paint.limb((hand[0] + 0.025, top), hand, 0.01, colour)
        paint.rect(hand[0] - 0.04, top, hand[0] + 0.04, top + 0.065, colour)
