"""Galleries from a folder and from a split."""
import pytest
from PIL import Image

from amnsfw.serve import gallery_from_dir, gallery_from_split
from amnsfw.serve.load_searcher import zoo_config


def test_a_folder_gallery_is_its_images_sorted_recursively(tmp_path):
    (tmp_path / 'b').mkdir()
    for name in ['b/2.PNG', '1.jpg', 'b/0.jpeg']:
        Image.new('RGB', (4, 8)).save(tmp_path / name)
    (tmp_path / 'notes.txt').write_text('not an image')
    gallery = gallery_from_dir(str(tmp_path))
    assert [gallery.name(i) for i in range(len(gallery))] == [
        '1.jpg', 'b/0.jpeg', 'b/2.PNG']
    assert gallery.pids is None and gallery.captions == ()


def test_a_missing_or_empty_folder_is_an_error(tmp_path):
    with pytest.raises(FileNotFoundError, match='not found'):
        gallery_from_dir(str(tmp_path / 'absent'))
    with pytest.raises(FileNotFoundError, match='holds no image'):
        gallery_from_dir(str(tmp_path))


def test_a_split_gallery_knows_each_images_person_and_captions(serve_data):
    gallery = gallery_from_split(zoo_config('tinyclip-synthpedes'), 'test',
                                 str(serve_data))
    assert len(gallery) == 6 and len(gallery.captions) == 12
    assert [c.index for c in gallery.captions] == list(range(12))
    for index in range(len(gallery)):
        captions = gallery.captions_of(index)
        assert len(captions) == 2
        assert {c.pid for c in captions} == {gallery.pids[index]}
