"""LoadPersonImage: mmcv's BGR loading, with errors that name the item."""
import os

import mmcv
import numpy as np
import pytest
from mmengine.registry import TRANSFORMS as MMENGINE_TRANSFORMS
from mmengine.registry import DefaultScope

from amnsfw.datasets.transforms import ImageLoadError, LoadPersonImage


def _load(path, index=4, pid=17):
    return LoadPersonImage()(dict(img_path=str(path), index=index, pid=pid))


def test_loads_bgr_uint8_like_mmcv(tmp_path):
    bgr = np.zeros((6, 4, 3), dtype=np.uint8)
    bgr[0, 0] = (255, 0, 0)  # blue
    path = tmp_path / 'person.png'  # lossless
    mmcv.imwrite(bgr, str(path))
    results = _load(path)
    assert results['img'].dtype == np.uint8
    assert np.array_equal(results['img'], bgr)
    assert results['img_shape'] == results['ori_shape'] == (6, 4)
    assert (results['index'], results['pid']) == (4, 17)


def _assert_names_item(error, path, reason):
    message = str(error.value)
    assert str(path) in message and reason in message
    assert 'index=4' in message and 'pid=17' in message
    assert (error.value.path, error.value.index, error.value.pid) == (
        str(path), 4, 17)
    assert isinstance(error.value, OSError)


def test_missing_file(tmp_path):
    path = tmp_path / 'nowhere' / 'missing.jpg'
    with pytest.raises(ImageLoadError) as error:
        _load(path)
    _assert_names_item(error, path, 'file not found')


def test_zero_byte_file(tmp_path):
    path = tmp_path / 'empty.jpg'
    path.write_bytes(b'')
    with pytest.raises(ImageLoadError) as error:
        _load(path)
    _assert_names_item(error, path, 'empty')


def test_random_bytes_named_jpg(tmp_path):
    path = tmp_path / 'noise.jpg'
    path.write_bytes(np.random.default_rng(0).bytes(512))
    with pytest.raises(ImageLoadError) as error:
        _load(path)
    _assert_names_item(error, path, 'not a decodable image')


def test_truncated_jpeg_names_the_file(tmp_path):
    path = tmp_path / 'cut.jpg'
    mmcv.imwrite(np.full((32, 16, 3), 90, dtype=np.uint8), str(path))
    path.write_bytes(path.read_bytes()[:40])  # header only
    with pytest.raises(ImageLoadError, match='cut.jpg'):
        _load(path)


def test_directory_is_not_an_image(tmp_path):
    with pytest.raises(ImageLoadError, match=os.path.basename(tmp_path)):
        _load(tmp_path)


def test_config_name_resolves_in_default_scope():
    with DefaultScope.overwrite_default_scope('amnsfw'):
        transform = MMENGINE_TRANSFORMS.build(dict(type='LoadPersonImage'))
    assert type(transform) is LoadPersonImage
