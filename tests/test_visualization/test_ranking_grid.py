"""amnsfw.visualization.ranking_grid: a query's hits side by side."""
from PIL import Image

from amnsfw.visualization.ranking_grid import (FRAME, IRRELEVANT_COLOUR,
                                               RELEVANT_COLOUR, TILE_SIZE,
                                               draw_ranking)


def _hit(path, rank, relevant, pid=None):
    return dict(path=str(path), rank=rank, score=1.0 / rank, pid=pid,
                relevant=relevant)


def test_hits_are_framed_by_relevance_where_known(tmp_path):
    image = tmp_path / 'a.png'
    Image.new('RGB', TILE_SIZE, (0, 0, 255)).save(image)
    out = tmp_path / 'grid.png'
    draw_ranking('a woman in red', [_hit(image, 1, True, pid=3),
                                    _hit(image, 2, False, pid=4),
                                    _hit(image, 3, None)], str(out))
    with Image.open(out) as grid:
        assert grid.width >= 3 * TILE_SIZE[0]
        colours = dict((colour, count) for count, colour in
                       grid.convert('RGB').getcolors(grid.width * grid.height))
    # Two frames, one per known relevance, around tiles of the image's size.
    frame = (TILE_SIZE[0] + 2 * FRAME) * (TILE_SIZE[1] + 2 * FRAME) - (
        TILE_SIZE[0] * TILE_SIZE[1])
    assert colours[RELEVANT_COLOUR] == colours[IRRELEVANT_COLOUR] == frame
    assert colours[(0, 0, 255)] == 3 * TILE_SIZE[0] * TILE_SIZE[1]


def test_a_short_ranking_still_has_room_for_the_query(tmp_path):
    image = tmp_path / 'a.png'
    Image.new('RGB', (10, 20), 'white').save(image)
    out = tmp_path / 'grid.png'
    draw_ranking('', [_hit(image, 1, None)], str(out))
    with Image.open(out) as grid:
        assert grid.width == 360
