"""skip_broken_images: opt-in skipping of unloadable training images."""
import json
import os

import mmcv
import numpy as np
import pytest

import amnsfw.datasets.person_search_dataset as person_search_dataset
from amnsfw.datasets import CUHKPEDES
from amnsfw.datasets.transforms import ImageLoadError

PIPELINE = [dict(type='LoadPersonImage')]


@pytest.fixture
def root(tmp_path):
    """Train: 2 good images and a zero-byte one; test: 1 good, 1 missing."""
    records = [
        dict(split='train', id=1, file_path='good_a.png', captions=['A.']),
        dict(split='train', id=2, file_path='broken.jpg', captions=['B.']),
        dict(split='train', id=3, file_path='good_b.png', captions=['C.']),
        dict(split='test', id=4, file_path='good_a.png', captions=['D.']),
        dict(split='test', id=5, file_path='missing.jpg', captions=['E.']),
    ]
    (tmp_path / 'reid_raw.json').write_text(json.dumps(records))
    imgs = tmp_path / 'imgs'
    imgs.mkdir()
    for name in ('good_a.png', 'good_b.png'):
        mmcv.imwrite(np.zeros((4, 2, 3), dtype=np.uint8), str(imgs / name))
    (imgs / 'broken.jpg').write_bytes(b'')
    return str(tmp_path)


def test_default_raises_naming_the_item(root):
    dataset = CUHKPEDES(data_root=root, image_pipeline=PIPELINE)
    assert dataset.skip_broken_images is False
    with pytest.raises(ImageLoadError, match=r'broken\.jpg.*index=1, pid=1'):
        dataset[1]


def test_skipping_serves_another_item_and_warns(root, monkeypatch):
    logged = []
    monkeypatch.setattr(person_search_dataset, 'print_log',
                        lambda msg, **kwargs: logged.append((msg, kwargs)))
    dataset = CUHKPEDES(data_root=root, image_pipeline=PIPELINE,
                        skip_broken_images=True)
    np.random.seed(0)  # MMEngine's refetch draws with np.random
    for draw in range(1, 4):
        item = dataset[1]
        assert item['index'] in (0, 2) and item['img'].shape == (4, 2, 3)
        assert dataset.num_skipped_images >= draw
    assert len(logged) == dataset.num_skipped_images
    message, kwargs = logged[-1]
    assert 'broken.jpg' in message
    assert f'{dataset.num_skipped_images} skipped so far' in message
    assert kwargs['logger'] == 'current'
    assert kwargs['level'] == person_search_dataset.logging.WARNING


def test_skipping_gives_up_after_max_refetch(root, monkeypatch):
    monkeypatch.setattr(person_search_dataset, 'print_log',
                        lambda *args, **kwargs: None)
    for name in ('good_a.png', 'good_b.png'):  # now every image is broken
        with open(os.path.join(root, 'imgs', name), 'wb'):
            pass
    dataset = CUHKPEDES(data_root=root, image_pipeline=PIPELINE,
                        skip_broken_images=True, max_refetch=3)
    with pytest.raises(Exception, match='Cannot find valid image'):
        dataset[0]
    assert dataset.num_skipped_images == 4


def test_eval_split_refuses_skipping(root):
    with pytest.raises(ValueError, match='train split only'):
        CUHKPEDES(data_root=root, split='test', image_pipeline=PIPELINE,
                  skip_broken_images=True)


def test_eval_split_raises_on_a_broken_image(root):
    dataset = CUHKPEDES(data_root=root, split='test', image_pipeline=PIPELINE)
    assert dataset[0]['img'].shape == (4, 2, 3)
    with pytest.raises(ImageLoadError, match=r'missing\.jpg.*pid=5'):
        dataset[1]
