"""AttentionWeightedMasker: planted scores, kept tokens, the EMA, its state."""
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from amnsfw.plugin_api import BACKBONES, MODELS, EncoderOutput
from amnsfw.testing import (TINY_ENCODER, TINY_IMAGE_SIZE, TINY_PATCHES,
                            pair_batch, tiny_retriever_config)
from amnsfw_amns.maskers import AttentionWeightedMasker

IMAGE_SIZE = TINY_IMAGE_SIZE  # a 4x2 grid: 8 patches
ENCODER = dict(TINY_ENCODER, num_hidden_layers=2, projection_dim=24)
CONFIG = dict(ENCODER, **TINY_PATCHES)
PATCHES = 8


@pytest.fixture
def encoder():
    torch.manual_seed(0)
    return BACKBONES.build(dict(type='CLIPImageEncoder',
                                image_size=IMAGE_SIZE, config=CONFIG))


def numbered_tokens(batch, width=4):
    """Tokens whose first channel is their position, to read off the kept."""
    tokens = torch.randn(batch, 1 + PATCHES, width)
    tokens[..., 0] = torch.arange(1 + PATCHES).float()
    return tokens


def plant_attention(monkeypatch, masker, planted):
    """Make the EMA encoder return ``planted`` attention; record the layers
    it was asked for."""
    calls = []

    def forward(images, token_filter=None, attention=None):
        calls.append(attention)
        batch = len(images)
        return EncoderOutput(torch.zeros(batch, 24),
                             torch.zeros(batch, 1 + PATCHES, 32), planted)

    monkeypatch.setattr(masker.ema_encoder, 'forward', forward)
    return calls


def test_attention_keeps_the_top_patches_and_the_class_token(
        encoder, monkeypatch):
    masker = AttentionWeightedMasker(encoder, mask_ratio=0.5).train()
    attention = torch.zeros(2, 1, 1 + PATCHES)
    attention[:, 0, 0] = 9.0  # the CLS column is not a patch score
    attention[0, 0, 1:] = torch.tensor([.1, .9, .2, .8, .3, .05, .7, .0])
    attention[1, 0, 1:] = torch.tensor([.5, .0, .1, .0, .6, .7, .2, .8])
    calls = plant_attention(monkeypatch, masker, attention)
    tokens = numbered_tokens(2)
    out = masker(tokens, torch.zeros(2, 3, *IMAGE_SIZE), None)
    assert calls == ['last']
    # Patches 2, 4, 7, 5 (1-based) for the first image, in grid order.
    kept = torch.tensor([[0, 2, 4, 5, 7], [0, 1, 5, 6, 8]])
    assert torch.equal(out[..., 0].long(), kept)
    by_hand = torch.stack([tokens[b, kept[b]] for b in range(2)])
    assert torch.equal(out, by_hand)


def test_drop_highest_keeps_the_bottom_patches(encoder, monkeypatch):
    masker = AttentionWeightedMasker(encoder, mask_ratio=0.5,
                                     drop='highest').train()
    attention = torch.zeros(1, 1, 1 + PATCHES)
    attention[0, 0, 1:] = torch.tensor([.1, .9, .2, .8, .3, .05, .7, .0])
    plant_attention(monkeypatch, masker, attention)
    out = masker(numbered_tokens(1), torch.zeros(1, 3, *IMAGE_SIZE), None)
    # The four lowest: patches 8 (.0), 6 (.05), 1 (.1), 3 (.2), grid order.
    assert out[0, :, 0].long().tolist() == [0, 1, 3, 6, 8]


def test_unknown_drop_is_refused(encoder):
    with pytest.raises(ValueError, match='drop must be one of'):
        AttentionWeightedMasker(encoder, drop='middle')


def test_all_layers_are_averaged(encoder, monkeypatch):
    masker = AttentionWeightedMasker(encoder, mask_ratio=0.75,
                                     attention_layers='all').train()
    attention = torch.zeros(1, 2, 1 + PATCHES)
    attention[0, 0, 1:] = torch.tensor([.0, .5, .0, .8, .0, .0, .0, .9])
    attention[0, 1, 1:] = torch.tensor([.0, .5, .85, .0, .8, .0, .0, .0])
    # Layer 0 alone keeps patches 4 and 8, layer 1 alone 3 and 5, the
    # maximum 3 and 8; the mean (2: .5, 8: .45, 3: .425) keeps 2 and 8.
    calls = plant_attention(monkeypatch, masker, attention)
    out = masker(numbered_tokens(1), torch.zeros(1, 3, *IMAGE_SIZE), None)
    assert calls == ['all']
    assert out[0, :, 0].long().tolist() == [0, 2, 8]


def test_scores_come_from_the_real_ema_attention(encoder):
    masker = AttentionWeightedMasker(encoder).train()
    images = torch.randn(2, 3, *IMAGE_SIZE)
    tokens = encoder.embed(images).detach()
    out = masker(tokens, images, None)
    with torch.no_grad():
        scores = encoder.eval()(images, attention='last').attention[:, 0, 1:]
    kept = scores.topk(4, dim=1).indices.sort(dim=1).values + 1
    for b in range(2):
        assert torch.equal(out[b], tokens[b, torch.cat([torch.tensor([0]),
                                                        kept[b]])])


def test_online_encoder_with_the_masker_equals_blocks_on_kept_tokens(
        encoder, monkeypatch):
    masker = AttentionWeightedMasker(encoder, mask_ratio=0.5).train()
    attention = torch.zeros(2, 1, 1 + PATCHES)
    attention[:, 0, 1:] = torch.rand(2, PATCHES)
    plant_attention(monkeypatch, masker, attention)
    images = torch.randn(2, 3, *IMAGE_SIZE)
    encoder.eval()
    with torch.no_grad():
        output = encoder(images,
                         token_filter=lambda t: masker(t, images, None))
        tokens = encoder.embed(images)
        kept = attention[:, 0, 1:].topk(4, dim=1).indices.sort(1).values + 1
        kept = torch.cat([torch.zeros(2, 1, dtype=torch.long), kept], dim=1)
        by_hand = torch.stack([tokens[b, kept[b]] for b in range(2)])
        states = encoder.encoder(inputs_embeds=encoder.pre_layernorm(
            by_hand)).last_hidden_state
        embeds = encoder.projection(encoder.post_layernorm(states[:, 0]))
    assert output.tokens.shape == (2, 1 + 4, 32)
    assert torch.allclose(output.tokens, states, atol=1e-6)
    assert torch.allclose(output.embeds, embeds, atol=1e-6)


@pytest.mark.parametrize('norm', ['identity', 'absent'])
def test_text_score_picks_the_patches_like_the_caption(encoder, monkeypatch,
                                                       norm):
    masker = AttentionWeightedMasker(encoder, mask_ratio=0.75,
                                     score='text').train()
    if norm == 'absent':  # an encoder whose tokens are already normed
        monkeypatch.delattr(masker.ema_encoder, 'post_layernorm')
    else:
        monkeypatch.setattr(masker.ema_encoder, 'post_layernorm',
                            nn.Identity())
    monkeypatch.setattr(masker.ema_encoder, 'projection', nn.Identity())
    basis = torch.eye(32)
    states = torch.zeros(1, 1 + PATCHES, 32)
    states[0, 1:] = basis[10:10 + PATCHES]
    states[0, 3] = basis[2] * 100.0  # patch 3 lies along the caption
    states[0, 6] = (basis[2] + basis[3]) * 10.0  # a big dot product, cos 1/2
    states[0, 8] = basis[5] * 0.01  # a tiny token along the caption
    monkeypatch.setattr(
        masker.ema_encoder, 'forward',
        lambda images, **kwargs: EncoderOutput(torch.zeros(1, 32), states))
    text = (basis[2] + basis[5]).unsqueeze(0)
    out = masker(numbered_tokens(1), torch.zeros(1, 3, *IMAGE_SIZE), text)
    # cos: patch 3 and 8 = 1/sqrt(2), patch 6 = 1/2, others 0 (cosine, not
    # dot product: patch 6 would win, patch 8 lose).
    assert out[0, :, 0].long().tolist() == [0, 3, 8]


def test_text_score_uses_the_ema_projection(encoder):
    masker = AttentionWeightedMasker(encoder, score='text').train()
    images = torch.randn(2, 3, *IMAGE_SIZE)
    text = torch.randn(2, 24)
    tokens = encoder.embed(images).detach()
    out = masker(tokens, images, text)
    with torch.no_grad():
        states = encoder.eval()(images).tokens[:, 1:]
        patches = encoder.projection(encoder.post_layernorm(states))
        scores = F.cosine_similarity(patches, text.unsqueeze(1), dim=-1)
    kept = scores.topk(4, dim=1).indices.sort(dim=1).values + 1
    for b in range(2):
        assert torch.equal(out[b, 1:], tokens[b, kept[b]])


def test_text_score_needs_a_projection():
    with pytest.raises(TypeError, match='projection'):
        AttentionWeightedMasker(nn.Linear(2, 2), score='text')


def test_kept_count():
    masker = AttentionWeightedMasker(nn.Linear(2, 2), mask_ratio=0.5)
    assert masker.kept_patches(192) == 96
    assert masker.kept_patches(8) == 4
    masker.mask_ratio = 0.9
    assert masker.kept_patches(8) == 1  # 8 - round(7.2)
    masker.mask_ratio = 0.99
    assert masker.kept_patches(8) == 1  # never zero patches


def test_zero_ratio_and_eval_mode_keep_every_token(encoder):
    images = torch.randn(2, 3, *IMAGE_SIZE)
    tokens = encoder.embed(images).detach()
    masker = AttentionWeightedMasker(encoder, mask_ratio=0.0).train()
    assert torch.equal(masker(tokens, images, None), tokens)
    masker = AttentionWeightedMasker(encoder).eval()
    assert masker(tokens, images, None) is tokens


def test_ema_is_a_frozen_copy(encoder):
    masker = AttentionWeightedMasker(encoder).train()
    assert masker.ema_encoder is not encoder
    assert not any(p.requires_grad for p in masker.ema_encoder.parameters())
    assert all(p.requires_grad for p in encoder.parameters())
    online = dict(encoder.named_parameters())
    for name, p in masker.ema_encoder.named_parameters():
        assert torch.equal(p, online[name])
        assert p.data_ptr() != online[name].data_ptr()
    assert not masker.ema_encoder.training  # eval even in a training masker
    assert not any(module is encoder for module in masker.modules())


def test_update_ema_follows_the_formula():
    torch.manual_seed(0)
    online = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4))
    masker = AttentionWeightedMasker(online)
    with torch.no_grad():
        for p in online.parameters():
            p.add_(torch.randn_like(p))
    online.train()(torch.randn(5, 3))  # moves the running statistics
    before = {n: p.clone() for n, p in masker.ema_encoder.named_parameters()}
    masker.update_ema(online, 0.9)
    for name, p in online.named_parameters():
        expected = 0.9 * before[name] + 0.1 * p
        assert torch.allclose(masker.ema_encoder.get_parameter(name), expected)
        assert not torch.allclose(expected, before[name])
    for name, buffer in online.named_buffers():
        assert torch.equal(masker.ema_encoder.get_buffer(name), buffer)
    assert masker.momentum.item() == pytest.approx(0.9)
    masker.update_ema(online, 1.0)  # momentum 1 leaves the EMA in place
    masker.reset_ema(online)
    for name, p in online.named_parameters():
        assert torch.equal(masker.ema_encoder.get_parameter(name), p)


def test_update_ema_refuses_another_encoder():
    masker = AttentionWeightedMasker(nn.Linear(3, 4))
    with pytest.raises(ValueError, match='does not match'):
        masker.update_ema(nn.Sequential(nn.Linear(3, 4)), 0.9)


# Within a retriever ------------------------------------------------------


@pytest.fixture
def retriever_cfg(tmp_path):
    return tiny_retriever_config(
        tmp_path, encoder=ENCODER, loss_heads=[dict(type='SDMLoss', tau=0.02)],
        masker=dict(type=AttentionWeightedMasker, score='text'))


def test_retriever_passes_its_encoder_and_trains_through_the_mask(
        retriever_cfg):
    torch.manual_seed(0)
    model = MODELS.build(retriever_cfg).train()
    masker = model.masker
    assert isinstance(masker, AttentionWeightedMasker)
    assert isinstance(masker.ema_encoder, BACKBONES.get('CLIPImageEncoder'))
    assert masker.ema_encoder is not model.image_encoder
    online = dict(model.image_encoder.named_parameters())
    for name, p in masker.ema_encoder.named_parameters():
        assert torch.equal(p, online[name])
    seen = []
    model.image_encoder.encoder.register_forward_pre_hook(
        lambda module, args, kwargs: seen.append(
            kwargs['inputs_embeds'].shape[1]), with_kwargs=True)
    losses = model(*pair_batch(model, ['a man', 'a red shirt'], [4, 9]),
                   mode='loss')
    assert seen == [1 + 4]  # the online blocks saw the kept tokens only
    losses['loss_sdm'].backward()
    assert model.image_encoder.patch_embedding.weight.grad.abs().sum() > 0
    assert all(p.grad is None for p in masker.ema_encoder.parameters())


def test_state_dict_saves_and_restores_the_ema(retriever_cfg, tmp_path):
    torch.manual_seed(0)
    model = MODELS.build(retriever_cfg)
    with torch.no_grad():
        for p in model.image_encoder.parameters():
            p.add_(1.0)
    model.masker.update_ema(model.image_encoder, 0.5)
    state = model.state_dict()
    assert 'masker.momentum' in state
    ema_keys = [k for k in state if k.startswith('masker.ema_encoder.')]
    assert len(ema_keys) == len(model.image_encoder.state_dict())
    torch.save(state, tmp_path / 'model.pth')

    torch.manual_seed(1)
    fresh = MODELS.build(retriever_cfg)
    name = 'masker.ema_encoder.projection.weight'
    assert not torch.equal(fresh.state_dict()[name], state[name])
    fresh.load_state_dict(
        torch.load(tmp_path / 'model.pth', weights_only=True))
    assert fresh.masker.momentum.item() == 0.5
    for key, value in model.masker.state_dict().items():
        assert torch.equal(fresh.masker.state_dict()[key], value)
