"""The real data sets' image pipelines, built from their configs."""
import os

import mmcv
import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.dataset import Compose

from amnsfw.models.data_preprocessors.person_search_data_preprocessor import (
    CLIP_MEAN, CLIP_STD)
from amnsfw.registry import TRANSFORMS

CONFIG_DIR = os.path.join(os.path.dirname(__file__), '..', '..', '..',
                          'configs')
#: The real-data base and the recipes moved from it to the other data sets.
REAL = ['_base_/datasets/cuhkpedes.py', 'irra/irra_vitb16_60e_icfgpedes.py',
        'irra/irra_vitb16_60e_rstpreid.py']


def _pipeline(cfg_list):
    return Compose([TRANSFORMS.build(t) for t in cfg_list])


@pytest.fixture(scope='module')
def small_jpeg(tmp_path_factory):
    """A 192x64 (h x w) JPEG, half the size of the real inputs."""
    rng = np.random.default_rng(0)
    path = str(tmp_path_factory.mktemp('img') / 'person.jpg')
    mmcv.imwrite(rng.integers(0, 256, (192, 64, 3), dtype=np.uint8), path)
    return path


@pytest.mark.parametrize('name', REAL)
def test_train_pipeline_gives_uint8_rgb_tensor(name, small_jpeg):
    cfg = Config.fromfile(os.path.join(CONFIG_DIR, name))
    train_pipeline = cfg.train_dataloader.dataset.image_pipeline
    types = [t['type'] for t in train_pipeline]
    assert types == ['LoadPersonImage', 'Resize', 'RandomFlip',
                     'mmpretrain.RandomCrop', 'mmpretrain.RandomErasing',
                     'ImageToRGBTensor']
    pipeline = _pipeline(train_pipeline)
    np.random.seed(0)
    for _ in range(4):  # flip / crop / erase draws differ
        out = pipeline(dict(img_path=small_jpeg, index=0, pid=0))
        assert out['img'].dtype == torch.uint8
        assert tuple(out['img'].shape) == (
            3, *cfg.model.image_encoder.image_size) == (3, 384, 128)
    test = _pipeline(cfg.test_dataloader.dataset.image_pipeline)(
        dict(img_path=small_jpeg, index=0, pid=0))
    assert tuple(test['img'].shape) == (3, 384, 128)


@pytest.mark.parametrize('name', REAL)
def test_erased_pixels_normalise_to_about_zero(name, tmp_path):
    """Erasing fills BGR arrays with CLIP's mean in BGR order, so after
    ImageToRGBTensor and the batch normalisation the patch is ~0."""
    cfg = Config.fromfile(os.path.join(CONFIG_DIR, name))
    erase = dict(cfg.train_dataloader.dataset.image_pipeline[4],
                 erase_prob=1.0)
    path = str(tmp_path / 'white.png')
    mmcv.imwrite(np.full((384, 128, 3), 255, dtype=np.uint8), path)
    pipeline = _pipeline([dict(type='LoadPersonImage'), erase,
                          dict(type='ImageToRGBTensor')])
    np.random.seed(1)
    image = pipeline(dict(img_path=path))['img']
    erased = (image != 255).any(dim=0)
    area = erased.float().mean().item()
    assert 0.01 < area <= 0.41
    patch = image[:, erased].float()
    normalised = (patch - torch.tensor(CLIP_MEAN)[:, None]) / torch.tensor(
        CLIP_STD)[:, None]
    assert normalised.abs().max() < 0.01
    assert patch[:, 0].tolist() == [123, 117, 104]  # RGB


@pytest.mark.parametrize('name', REAL)
def test_pad_and_crop_shift_the_image(name, tmp_path):
    """Padding 10 then cropping 384x128 shifts content by up to 10 pixels;
    the border it brings in is black."""
    cfg = Config.fromfile(os.path.join(CONFIG_DIR, name))
    crop = cfg.train_dataloader.dataset.image_pipeline[3]
    assert crop['padding'] == 10 and tuple(crop['crop_size']) == (384, 128)
    transform = TRANSFORMS.build(crop)
    np.random.seed(2)
    blacks = []
    for _ in range(10):
        img = transform(dict(img=np.full((384, 128, 3), 200,
                                         dtype=np.uint8)))['img']
        assert img.shape == (384, 128, 3)
        blacks.append(int((img == 0).all(axis=2).sum()))
    assert max(blacks) > 0 and all(b <= 10 * (384 + 128) for b in blacks)
