"""PersonSearchDataPreprocessor: uint8 images to normalised floats."""
import pytest
import torch

from amnsfw.models.data_preprocessors import PersonSearchDataPreprocessor
from amnsfw.models.data_preprocessors.person_search_data_preprocessor import \
    CLIP_MEAN
from amnsfw.registry import MODELS


def test_uint8_images_are_normalised_per_channel():
    preprocessor = MODELS.build(dict(type='PersonSearchDataPreprocessor',
                                     mean=(10.0, 20.0, 30.0),
                                     std=(2.0, 4.0, 5.0)))
    images = torch.empty(2, 3, 2, 2, dtype=torch.uint8)
    images[:, 0], images[:, 1], images[:, 2] = 14, 12, 255
    samples = dict(image_pids=torch.tensor([1, 2]))
    out = preprocessor(dict(inputs=dict(images=images), data_samples=samples))
    normalised = out['inputs']['images']
    assert normalised.dtype == torch.float32
    assert normalised.shape == images.shape
    # (14 - 10) / 2 = 2, (12 - 20) / 4 = -2, (255 - 30) / 5 = 45
    # (255 stays 255: no uint8 wrap-around before the cast).
    for channel, value in enumerate((2.0, -2.0, 45.0)):
        assert torch.allclose(normalised[:, channel],
                              torch.full((2, 2, 2), value))
    assert torch.equal(out['data_samples']['image_pids'], torch.tensor([1, 2]))


def test_default_statistics_are_clips():
    preprocessor = PersonSearchDataPreprocessor()
    mean = torch.tensor(CLIP_MEAN).view(1, 3, 1, 1).expand(1, 3, 2, 2)
    out = preprocessor(dict(inputs=dict(images=mean.clone())))
    assert torch.allclose(out['inputs']['images'], torch.zeros(1, 3, 2, 2),
                          atol=1e-5)


@pytest.mark.parametrize('training', [False, True])
def test_batches_without_images_pass_through(training):
    text_ids = torch.tensor([[3, 7, 4, 0]])
    text_mask = torch.tensor([[1, 1, 1, 0]])
    data = dict(inputs=dict(text_ids=text_ids.clone(),
                            text_mask=text_mask.clone()),
                data_samples=dict(text_pids=torch.tensor([5])))
    out = PersonSearchDataPreprocessor()(data, training=training)
    assert set(out['inputs']) == {'text_ids', 'text_mask'}
    assert out['inputs']['text_ids'].dtype == torch.long
    assert torch.equal(out['inputs']['text_ids'], text_ids)
    assert torch.equal(out['inputs']['text_mask'], text_mask)
    assert torch.equal(out['data_samples']['text_pids'], torch.tensor([5]))


def test_statistics_are_not_saved_in_the_state_dict():
    assert PersonSearchDataPreprocessor().state_dict() == {}
