"""An HTML contact sheet of training pairs: one table row per pair, its
image embedded as a thumbnail."""
import base64
import html
import io
from typing import Dict, Optional, Sequence

from PIL import Image, ImageOps

#: Size of a thumbnail of the contact sheet, in pixels.
THUMBNAIL = (64, 128)


def thumbnail(path: str) -> str:
    """An image as a ``data:`` URI of a small JPEG.

    Args:
        path (str): The image file.

    Returns:
        str: ``data:image/jpeg;base64,...``, at most :data:`THUMBNAIL`.
    """
    with Image.open(path) as image:
        small = ImageOps.contain(image.convert('RGB'), THUMBNAIL)
    buffer = io.BytesIO()
    small.save(buffer, format='JPEG', quality=85)
    return ('data:image/jpeg;base64,'
            + base64.b64encode(buffer.getvalue()).decode('ascii'))


def write_contact_sheet(rows: Sequence[dict], path: str, title: str,
                        metrics: Optional[Dict[str, float]] = None) -> None:
    """Write ranked training pairs as an HTML page.

    Args:
        rows (Sequence[dict]): Pairs, in page order, each with ``rank``,
            ``image_path``, ``caption``, ``pair_index``, ``person_id``,
            ``score`` and optionally ``injected_noise`` (then shown as a
            noisy / clean column).
        path (str): The HTML file to write.
        title (str): The page's title and heading.
        metrics (Dict[str, float], optional): Shown under the heading.
            Defaults to None.
    """
    known = 'injected_noise' in rows[0] if rows else False
    summary = ''
    if metrics:
        summary = '<p>' + ', '.join(
            f'{html.escape(name)} = {value:.4f}'
            for name, value in metrics.items()) + '</p>'
    header = ''.join(f'<th>{name}</th>' for name in (
        'rank', 'image', 'caption', 'pair', 'person', 'score') + (
            ('injected noise', ) if known else ()))
    body = []
    for row in rows:
        flag = ''
        if known:
            flag = ('<td class="noisy">noisy</td>' if row['injected_noise']
                    else '<td class="clean">clean</td>')
        body.append(
            f"<tr><td>{row['rank']}</td><td><img src="
            f"\"{thumbnail(row['image_path'])}\" title=\""
            f"{html.escape(row['image_path'])}\"></td><td>"
            f"{html.escape(row['caption'])}</td><td>{row['pair_index']}"
            f"</td><td>{row['person_id']}</td><td>{row['score']:.4f}</td>"
            f'{flag}</tr>')
    with open(path, 'w', encoding='utf-8') as file:
        file.write(
            '<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>'
            f'{html.escape(title)}</title><style>'
            'body{font-family:sans-serif}td,th{padding:4px 8px;'
            'border-bottom:1px solid #ddd;text-align:left}'
            '.noisy{color:#c02020}.clean{color:#208040}</style></head>'
            f'<body><h1>{html.escape(title)}</h1>{summary}<table><tr>'
            f'{header}</tr>\n' + '\n'.join(body)
            + '\n</table></body></html>\n')
