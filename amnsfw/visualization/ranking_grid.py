"""One query's ranked images side by side: rank and score under each,
framed green (relevant) or red (not) where relevance is known."""
import textwrap
from typing import Sequence

from PIL import Image, ImageDraw, ImageFont, ImageOps

#: Size of one image of a result grid, and of its frame, in pixels.
TILE_SIZE = (96, 192)
FRAME = 4
RELEVANT_COLOUR = (30, 160, 60)
IRRELEVANT_COLOUR = (210, 40, 40)


def draw_ranking(text: str, hits: Sequence[dict], path: str) -> None:
    """Write one query's hits as a PNG grid.

    Args:
        text (str): The query, wrapped above the images.
        hits (Sequence[dict]): By rank, each with ``path`` (the image),
            ``rank``, ``score``, ``pid`` (None where unknown) and
            ``relevant`` (None where unknown).
        path (str): The image file to write.
    """
    font = ImageFont.load_default(size=13)
    line_height = font.getbbox('Ag')[3] + 4
    tile_w, tile_h = TILE_SIZE
    cell_w, cell_h = tile_w + 2 * FRAME, tile_h + 2 * FRAME
    width = max(len(hits) * (cell_w + 6) + 6, 360)
    header = textwrap.wrap(text, width=max(30, width // 7)) or ['']
    top = len(header) * line_height + 10
    canvas = Image.new('RGB', (width, top + cell_h + 3 * line_height + 6),
                       'white')
    draw = ImageDraw.Draw(canvas)
    for row, line in enumerate(header):
        draw.text((6, 4 + row * line_height), line, fill='black', font=font)
    for column, hit in enumerate(hits):
        left = 6 + column * (cell_w + 6)
        with Image.open(hit['path']) as image:
            image = ImageOps.contain(image.convert('RGB'), TILE_SIZE)
        x = left + FRAME + (tile_w - image.width) // 2
        y = top + FRAME + (tile_h - image.height) // 2
        if hit['relevant'] is not None:
            colour = RELEVANT_COLOUR if hit['relevant'] else IRRELEVANT_COLOUR
            draw.rectangle((x - FRAME, y - FRAME, x + image.width + FRAME - 1,
                            y + image.height + FRAME - 1), fill=colour)
        canvas.paste(image, (x, y))
        lines = [f"rank {hit['rank']}", f"{hit['score']:.3f}"]
        if hit['pid'] is not None:
            lines.append(f"id {hit['pid']}")
        for row, line in enumerate(lines):
            draw.text((left + FRAME, top + cell_h + 2 + row * line_height),
                      line, fill='black', font=font)
    canvas.save(path)
