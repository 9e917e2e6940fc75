"""ImageToRGBTensor: BGR HWC uint8 array in, RGB CHW uint8 tensor out."""
import numpy as np
import torch
from mmcv.transforms import LoadImageFromFile
from mmengine.registry import TRANSFORMS as MMENGINE_TRANSFORMS
from mmengine.registry import DefaultScope
from PIL import Image

from amnsfw.datasets.transforms import ImageToRGBTensor


def test_bgr_hwc_array_becomes_rgb_chw_tensor():
    bgr = np.arange(3 * 2 * 3, dtype=np.uint8).reshape(3, 2, 3)  # H=3, W=2
    bgr[0, 1] = (255, 0, 0)  # blue in BGR
    results = ImageToRGBTensor()(dict(img=bgr, pid=1, img_shape=(3, 2)))
    image = results['img']
    assert isinstance(image, torch.Tensor)
    assert image.dtype == torch.uint8 and image.shape == (3, 3, 2)
    assert image.is_contiguous()
    assert image[:, 0, 1].tolist() == [0, 0, 255]
    assert torch.equal(image,
                       torch.from_numpy(bgr[..., ::-1].transpose(2, 0, 1)
                                        .copy()))
    assert (results['pid'], results['img_shape']) == (1, (3, 2))


def test_matches_pil_rgb_of_a_loaded_file(tmp_path):
    rng = np.random.default_rng(0)
    rgb = rng.integers(0, 256, size=(6, 4, 3), dtype=np.uint8)
    rgb[0, 0] = (255, 0, 0)
    path = str(tmp_path / 'person.png')  # lossless
    Image.fromarray(rgb).save(path)
    results = LoadImageFromFile()(dict(img_path=path))
    image = ImageToRGBTensor()(results)['img']
    with Image.open(path) as loaded:
        expected = np.asarray(loaded.convert('RGB')).transpose(2, 0, 1)
    assert torch.equal(image, torch.from_numpy(expected.copy()))
    assert image[:, 0, 0].tolist() == [255, 0, 0]


def test_config_name_resolves_to_amnsfw_in_default_scope():
    with DefaultScope.overwrite_default_scope('amnsfw'):
        transform = MMENGINE_TRANSFORMS.build(dict(type='ImageToRGBTensor'))
    assert type(transform) is ImageToRGBTensor


def test_scoped_name_resolves_to_amnsfw_without_default_scope():
    assert MMENGINE_TRANSFORMS.get('amnsfw.ImageToRGBTensor') is \
        ImageToRGBTensor
