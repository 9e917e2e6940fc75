"""amnsfw.visualization.contact_sheet: training pairs as an HTML page."""
import base64
import io

from PIL import Image

from amnsfw.visualization.contact_sheet import (THUMBNAIL, thumbnail,
                                                write_contact_sheet)


def _image(path, size=(100, 400)):
    Image.new('RGB', size, (200, 30, 30)).save(path)
    return str(path)


def test_thumbnail_is_a_small_jpeg_data_uri(tmp_path):
    uri = thumbnail(_image(tmp_path / 'a.png'))
    prefix = 'data:image/jpeg;base64,'
    assert uri.startswith(prefix)
    with Image.open(io.BytesIO(base64.b64decode(uri[len(prefix):]))) as img:
        assert img.format == 'JPEG'
        assert img.width <= THUMBNAIL[0] and img.height <= THUMBNAIL[1]
        assert img.size == (32, 128)  # the aspect ratio is kept


def test_sheet_has_a_row_per_pair_with_noise_flags_and_metrics(tmp_path):
    path = _image(tmp_path / 'a.png')
    rows = [dict(rank=1, image_path=path, caption='a <red> coat',
                 pair_index=7, person_id=3, score=0.5, injected_noise=True),
            dict(rank=2, image_path=path, caption='blue', pair_index=2,
                 person_id=1, score=0.25, injected_noise=False)]
    out = tmp_path / 'sheet.html'
    write_contact_sheet(rows, str(out), 'Top & two', {'auroc': 0.75})
    page = out.read_text()
    assert page.count('<tr><td>') == 2
    assert '<title>Top &amp; two</title>' in page
    assert 'a &lt;red&gt; coat' in page  # captions are escaped
    assert '<p>auroc = 0.7500</p>' in page
    assert '<td class="noisy">noisy</td>' in page
    assert '<td class="clean">clean</td>' in page
    assert '<th>injected noise</th>' in page


def test_sheet_without_known_noise_has_no_noise_column(tmp_path):
    rows = [dict(rank=1, image_path=_image(tmp_path / 'a.png'), caption='c',
                 pair_index=0, person_id=0, score=1.0)]
    out = tmp_path / 'sheet.html'
    write_contact_sheet(rows, str(out), 'one')
    page = out.read_text()
    assert 'injected noise' not in page and '<p>' not in page
