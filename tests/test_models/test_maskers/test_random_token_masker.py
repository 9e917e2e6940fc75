"""RandomTokenMasker: counts, order, randomness, eval mode, in a retriever."""
import json

import pytest
import torch

from amnsfw.models.maskers import RandomTokenMasker
from amnsfw.registry import MASKERS, MODELS

IMAGE_SIZE = (32, 16)  # a 4 x 2 grid of 8-pixel patches: N = 8
ENCODER = dict(hidden_size=32, intermediate_size=64, num_hidden_layers=1,
               num_attention_heads=2, projection_dim=16)


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
    corpus = tmp_path / 'corpus.json'
    corpus.write_text(json.dumps([
        dict(split='train', id=1, file_path='a.jpg',
             captions=['a man in a red shirt', 'a woman with a blue bag'])
    ]), encoding='utf-8')
    torch.manual_seed(0)
    model = MODELS.build(dict(
        type='TextImageRetriever',
        tokenizer=dict(type='WordLevelTokenizer',
                       vocab_file=str(tmp_path / 'tokenizer.json'),
                       corpus=str(corpus), max_length=8),
        image_encoder=dict(type='CLIPImageEncoder', image_size=IMAGE_SIZE,
                           config=dict(ENCODER, patch_size=8, image_size=16)),
        text_encoder=dict(type='CLIPTextEncoder', config=dict(ENCODER)),
        losses=[dict(type='SDMLoss')],
        masker=dict(type='RandomTokenMasker', mask_ratio=0.5)))
    assert isinstance(model.masker, RandomTokenMasker)
    encoded = [model.tokenizer(text) for text in ('a man', 'a red shirt')]
    inputs = dict(images=torch.randn(2, 3, *IMAGE_SIZE),
                  text_ids=torch.stack([e['input_ids'] for e in encoded]),
                  text_mask=torch.stack([e['attention_mask']
                                         for e in encoded]))
    samples = dict(image_pids=torch.tensor([4, 9]),
                   text_pids=torch.tensor([4, 9]))

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
