"""MMPretrainViTEncoder: mmpretrain's ViT, CLIPImageEncoder's interface."""
import pytest
import torch
from mmpretrain.models.backbones import VisionTransformer
from mmpretrain.models.utils import resize_pos_embed

from amnsfw.models.backbones import EncoderOutput, MMPretrainViTEncoder
from amnsfw.registry import BACKBONES

# 32x16 images, 8x8 patches: a 4x2 grid, 8 patches.
ARCH = dict(embed_dims=32, num_layers=2, num_heads=4, feedforward_channels=64)
IMAGE_SIZE = (32, 16)
KWARGS = dict(image_size=IMAGE_SIZE, arch=ARCH, patch_size=8, embed_dim=24)


def make_encoder(**kwargs) -> MMPretrainViTEncoder:
    torch.manual_seed(0)
    encoder = MMPretrainViTEncoder(**{**KWARGS, **kwargs}).eval()
    with torch.no_grad():  # mmpretrain starts the class token at zero
        encoder.vit.cls_token.normal_()
    return encoder


@pytest.fixture
def encoder():
    return make_encoder()


def run_blocks(encoder, tokens):
    """The transformer part, block by block, written out."""
    states = encoder.vit.pre_norm(tokens)
    for layer in encoder.vit.layers:
        states = layer(states)
    return encoder.vit.ln1(states)


def full_attention(layer, hidden):
    """Every head's full attention matrix, ``(B, heads, T, T)``, from the
    layer's ``qkv`` projection on ``ln1(hidden)``."""
    batch, length, width = hidden.shape
    heads = layer.attn.num_heads
    qkv = layer.attn.qkv(layer.ln1(hidden)).reshape(batch, length, 3, heads,
                                                    width // heads)
    q, k, v = qkv.permute(2, 0, 3, 1, 4)
    scale = (width // heads)**-0.5
    return (q @ k.transpose(-1, -2) * scale).softmax(dim=-1), v


def test_output_shapes_and_attributes(encoder):
    out = encoder(torch.randn(3, 3, *IMAGE_SIZE))
    assert isinstance(out, EncoderOutput)
    assert out.embeds.shape == (3, 24)
    assert out.tokens.shape == (3, 1 + 4 * 2, 32)
    assert out.attention is None
    assert (encoder.embed_dim, encoder.width, encoder.grid) == (24, 32, (4, 2))


def test_registered():
    built = BACKBONES.build(dict(type='MMPretrainViTEncoder', **KWARGS))
    assert isinstance(built, MMPretrainViTEncoder)


def test_named_arch():
    encoder = MMPretrainViTEncoder(image_size=(32, 32), arch='deit-tiny',
                                   patch_size=16, embed_dim=8)
    assert encoder.width == 192 and len(encoder.vit.layers) == 12


def test_random_weights_get_mmpretrain_initialisation(encoder):
    # Built as zeros; mmpretrain's init_weights draws them (std 0.02).
    assert 0.01 < encoder.vit.pos_embed.std() < 0.03


def test_tokens_equal_mmpretrain_forward_and_cls_is_projected(encoder):
    images = torch.randn(2, 3, *IMAGE_SIZE)
    with torch.no_grad():
        out = encoder(images)
        (raw, ) = encoder.vit(images)  # built with out_type='raw'
    assert torch.allclose(out.tokens, raw, atol=1e-6)
    assert torch.allclose(out.embeds, encoder.projection(raw[:, 0]),
                          atol=1e-6)


def test_mean_pooling_uses_the_patch_tokens(encoder):
    mean_encoder = make_encoder(pooling='mean')
    images = torch.randn(2, 3, *IMAGE_SIZE)
    with torch.no_grad():
        out = mean_encoder(images)
        expected = mean_encoder.projection(out.tokens[:, 1:].mean(1))
        assert torch.allclose(out.embeds, expected, atol=1e-6)
        # Same weights (same seed), CLS pooling: a different feature.
        assert not torch.allclose(out.embeds, encoder(images).embeds)


def test_token_filter_runs_before_the_blocks(encoder):
    images = torch.randn(2, 3, *IMAGE_SIZE)
    seen = []

    def keep_first_three(tokens):
        seen.append(tokens)
        return tokens[:, :3]

    with torch.no_grad():
        full = encoder(images)
        filtered = encoder(images, token_filter=keep_first_three)
        embedded = encoder.embed(images)
        # The filter gets the embedded tokens (class first, positions added).
        cls = encoder.vit.cls_token[0, 0] + encoder.vit.pos_embed[0, 0]
        assert torch.allclose(seen[0], embedded)
        assert torch.allclose(embedded[:, 0], cls.expand(2, -1))
        # The blocks saw 3 tokens: the same as running them on 3 tokens,
        # and not the class state of the unfiltered run.
        assert filtered.tokens.shape == (2, 3, 32)
        assert torch.allclose(filtered.tokens,
                              run_blocks(encoder, embedded[:, :3]), atol=1e-5)
        assert not torch.allclose(filtered.tokens[:, 0], full.tokens[:, 0],
                                  atol=1e-4)


@pytest.mark.parametrize('token_filter', [None, lambda t: t[:, :5]])
def test_cls_attention_equals_the_full_attention_matrix(encoder,
                                                        token_filter):
    images = torch.randn(2, 3, *IMAGE_SIZE)
    with torch.no_grad():
        last = encoder(images, token_filter, attention='last').attention
        every = encoder(images, token_filter, attention='all').attention
        states = encoder.embed(images)
        if token_filter is not None:
            states = token_filter(states)
        rows = []
        for layer in encoder.vit.layers:
            matrix, values = full_attention(layer, states)
            # The reference is mmpretrain's attention: it gives its output.
            mixed = (matrix @ values).transpose(1, 2).flatten(2)
            assert torch.allclose(layer.attn.proj(mixed),
                                  layer.attn(layer.ln1(states)), atol=1e-5)
            rows.append(matrix[:, :, 0].mean(dim=1))
            states = layer(states)
    length = states.shape[1]
    assert last.shape == (2, 1, length) and every.shape == (2, 2, length)
    assert torch.allclose(last[:, 0], rows[-1], atol=1e-6)
    assert torch.allclose(every, torch.stack(rows, dim=1), atol=1e-6)
    assert torch.allclose(every.sum(-1), torch.ones(2, 2))
    # Not uniform: the rows carry the model's attention.
    assert not torch.allclose(every, torch.full_like(every, 1 / length),
                              atol=1e-3)


def test_attention_rows_without_qkv_bias():
    encoder = make_encoder(vit_cfg=dict(qkv_bias=False))
    assert encoder.vit.layers[0].attn.qkv.bias is None
    images = torch.randn(1, 3, *IMAGE_SIZE)
    with torch.no_grad():
        last = encoder(images, attention='last').attention
        states = encoder.embed(images)
        states = encoder.vit.layers[0](states)
        matrix, _ = full_attention(encoder.vit.layers[1], states)
    assert torch.allclose(last[:, 0], matrix[:, :, 0].mean(1), atol=1e-6)


def test_attention_argument_is_checked(encoder):
    with pytest.raises(ValueError, match='attention must be one of'):
        encoder(torch.randn(1, 3, *IMAGE_SIZE), attention='first')


def test_wrong_input_size_names_the_grid(encoder):
    with pytest.raises(ValueError,
                       match=r'\(2, 2\) patch grid.*\(4, 2\) grid'):
        encoder(torch.randn(1, 3, 16, 16))


def test_image_size_must_tile_with_the_patch():
    with pytest.raises(ValueError, match='patch 8 and stride 8'):
        MMPretrainViTEncoder(**{**KWARGS, 'image_size': (30, 16)})


def test_unknown_pooling_is_refused():
    with pytest.raises(ValueError, match="pooling must be 'cls' or 'mean'"):
        MMPretrainViTEncoder(**KWARGS, pooling='max')


def test_vit_cfg_may_not_override_own_arguments():
    with pytest.raises(ValueError, match=r"may not set \['out_type'\]"):
        MMPretrainViTEncoder(**KWARGS, vit_cfg=dict(out_type='cls_token'))


def test_drop_path_rate_reaches_the_last_block():
    encoder = MMPretrainViTEncoder(**KWARGS, drop_path_rate=0.3)
    assert encoder.vit.layers[-1].attn.out_drop.drop_prob == pytest.approx(0.3)
    assert encoder.vit.layers[0].attn.out_drop.drop_prob == 0.0


# Pretrained mmpretrain checkpoints -------------------------------------------


@pytest.fixture
def classifier_checkpoint(tmp_path):
    """An mmpretrain classifier checkpoint: a square 32x32 ViT (4x4 grid)
    under ``backbone.``, and a head."""
    torch.manual_seed(1)
    vit = VisionTransformer(arch=ARCH, img_size=32, patch_size=8,
                            out_type='raw')
    vit.init_weights()
    state = {f'backbone.{key}': value for key, value in
             vit.state_dict().items()}
    state['head.fc.weight'] = torch.randn(10, 32)
    path = tmp_path / 'vit.pth'
    torch.save({'meta': {}, 'state_dict': state}, path)
    vit.eval()
    return vit, str(path)


def test_pretrained_square_matches_the_checkpoint(classifier_checkpoint):
    vit, path = classifier_checkpoint
    encoder = MMPretrainViTEncoder(**{**KWARGS, 'image_size': (32, 32)},
                                   pretrained=path).eval()
    images = torch.randn(2, 3, 32, 32)
    with torch.no_grad():
        assert torch.allclose(encoder(images).tokens, vit(images)[0],
                              atol=1e-6)


def test_pretrained_position_table_is_resized(classifier_checkpoint):
    vit, path = classifier_checkpoint
    encoder = MMPretrainViTEncoder(**KWARGS, pretrained=path)
    expected = resize_pos_embed(vit.pos_embed.detach(), (4, 4), (4, 2),
                                mode='bicubic', num_extra_tokens=1)
    assert torch.allclose(encoder.vit.pos_embed, expected)
    assert torch.equal(encoder.vit.layers[1].attn.qkv.weight,
                       vit.layers[1].attn.qkv.weight)
    assert encoder(torch.randn(1, 3, *IMAGE_SIZE)).tokens.shape == (1, 9, 32)


def test_pretrained_with_missing_weights_is_refused(tmp_path):
    path = tmp_path / 'half.pth'
    torch.save({'state_dict': {'backbone.cls_token': torch.zeros(1, 1, 32)}},
               path)
    with pytest.raises(KeyError, match='lacks these VisionTransformer'):
        MMPretrainViTEncoder(**KWARGS, pretrained=str(path))
