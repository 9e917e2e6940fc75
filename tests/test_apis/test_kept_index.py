"""amnsfw.apis.kept_index: a gallery's index kept between runs."""
import json

import pytest

from amnsfw.apis.kept_index import GALLERY_FILE, update_kept_index


class FakeSearcher:
    """Records what the kept index asks of a TextImageSearcher."""

    def __init__(self) -> None:
        self.calls = []

    def load_index(self, directory):
        self.calls.append(('load', directory))

    def add(self, paths, batch_size):
        self.calls.append(('add', list(paths), batch_size))

    def save_index(self, directory):
        self.calls.append(('save', directory))


def test_a_new_index_adds_every_image_and_lists_them(tmp_path):
    searcher = FakeSearcher()
    indexed, added = update_kept_index(searcher, str(tmp_path), ['a', 'b'],
                                       8)
    assert (indexed, added) == (['a', 'b'], 2)
    assert searcher.calls == [('add', ['a', 'b'], 8),
                              ('save', str(tmp_path))]
    listing = json.loads((tmp_path / GALLERY_FILE).read_text())
    assert listing == dict(paths=['a', 'b'])


def test_a_kept_index_adds_only_new_images_and_keeps_its_order(tmp_path):
    (tmp_path / GALLERY_FILE).write_text(json.dumps(dict(paths=['b', 'a'])))
    searcher = FakeSearcher()
    indexed, added = update_kept_index(searcher, str(tmp_path),
                                       ['a', 'b', 'c'], 8)
    assert (indexed, added) == (['b', 'a', 'c'], 1)
    assert searcher.calls[0] == ('load', str(tmp_path))
    assert searcher.calls[1] == ('add', ['c'], 8)
    searcher = FakeSearcher()
    assert update_kept_index(searcher, str(tmp_path), ['c', 'b', 'a'],
                             8) == (['b', 'a', 'c'], 0)
    assert searcher.calls == [('load', str(tmp_path))]  # nothing to save


def test_images_gone_from_the_gallery_are_refused(tmp_path):
    (tmp_path / GALLERY_FILE).write_text(json.dumps(dict(paths=['a', 'x'])))
    with pytest.raises(ValueError, match='holds 1 images that are not in '
                       'this gallery, e.g. x'):
        update_kept_index(FakeSearcher(), str(tmp_path), ['a'], 8)
