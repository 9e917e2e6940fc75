"""RandomTokenMasker: counts, order, randomness, eval mode, in a retriever."""
import pytest
import torch

from amnsfw.models.maskers import RandomTokenMasker
from amnsfw.registry import MASKERS, MODELS
from amnsfw.testing import pair_batch, tiny_retriever_config


def numbered_tokens(batch, patches, width=3):
    """Token t of sample b holds 100 b + t everywhere: its identity."""
    ids = torch.arange(batch).view(-1, 1) * 100 + torch.arange(1 + patches)
    return ids.unsqueeze(-1).expand(-1, -1, width).float()


def kept_positions(tokens):
    return (tokens[..., 0] % 100).long()


@pytest.mark.parametrize('ratio,kept', [(0.5, 4), (0.3, 6), (0.0, 8),
                                        (0.99, 1)])
def test_keeps_the_class_token_and_the_configured_count(ratio, kept):
    torch.manual_seed(0)
    masker = MASKERS.build(dict(type='RandomTokenMasker', mask_ratio=ratio))
    tokens = numbered_tokens(5, 8)
    out = masker(tokens, None, None)
    assert out.shape == (5, 1 + kept, 3)
    assert torch.equal(out[:, 0], tokens[:, 0])
    positions = kept_positions(out)
    assert torch.equal(out[..., 0] // 100,
                       torch.arange(5).view(-1, 1).expand(-1, 1 + kept))
    # Patches only (no second class token), strictly increasing: a subset
    # in the original order.
    assert (positions[:, 1:] >= 1).all() and (positions[:, 1:] <= 8).all()
    assert (positions[:, 1:].diff(dim=1) > 0).all()


def test_samples_draw_different_uniform_subsets():
    torch.manual_seed(1)
    masker = RandomTokenMasker(mask_ratio=0.5)
    out = masker(numbered_tokens(1000, 8), None, None)
    positions = kept_positions(out)[:, 1:]
    subsets = {tuple(row) for row in positions.tolist()}
    assert len(subsets) > 50  # of the C(8, 4) = 70 possible
    # Every patch is kept about half the time.
    counts = torch.bincount(positions.flatten(), minlength=9)[1:]
    assert ((counts / 1000 - 0.5).abs() < 0.06).all()


def test_eval_mode_returns_the_tokens_unchanged():
    masker = RandomTokenMasker(mask_ratio=0.5).eval()
    tokens = numbered_tokens(2, 8)
    assert masker(tokens, None, None) is tokens


@pytest.mark.parametrize('ratio', [-0.1, 1.0, 1.5])
def test_refuses_a_ratio_outside_zero_one(ratio):
    with pytest.raises(ValueError, match=r'mask_ratio must be in \[0, 1\)'):
        RandomTokenMasker(mask_ratio=ratio)


def test_retriever_encodes_fewer_tokens_in_training(tmp_path):
    torch.manual_seed(0)
    # The tiny images are a 4 x 2 grid of 8-pixel patches: N = 8.
    model = MODELS.build(tiny_retriever_config(
        tmp_path, masker=dict(type='RandomTokenMasker', mask_ratio=0.5)))
    assert isinstance(model.masker, RandomTokenMasker)
    inputs, samples = pair_batch(model, ['a man', 'a red shirt'], [4, 9])

    model.train()
    assert model.encode_pairs(inputs, samples)['image_tokens'].shape == (
        2, 1 + 4, 32)
    losses = model(inputs, samples, mode='loss')
    losses['loss_sdm'].backward()
    assert torch.isfinite(losses['loss_sdm'])
    assert model.image_encoder.patch_embedding.weight.grad.abs().sum() > 0

    model.eval()
    assert model.encode_pairs(inputs, samples)['image_tokens'].shape == (
        2, 1 + 8, 32)
