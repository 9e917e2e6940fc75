"""CLIPImageEncoder and its position-grid resizing."""
import pytest
import torch
from transformers import CLIPVisionConfig, CLIPVisionModelWithProjection

from amnsfw.models.backbones import CLIPImageEncoder, EncoderOutput
from amnsfw.models.backbones.clip_image_encoder import resize_position_grid
from amnsfw.registry import BACKBONES

# A 16x16 checkpoint (2x2 grid) used on 32x16 images (4x2 grid, 8 patches).
CONFIG = dict(hidden_size=32, intermediate_size=64, num_hidden_layers=1,
              num_attention_heads=2, patch_size=8, image_size=16,
              projection_dim=24)
IMAGE_SIZE = (32, 16)


@pytest.fixture
def encoder():
    torch.manual_seed(0)
    return CLIPImageEncoder(image_size=IMAGE_SIZE, config=CONFIG).eval()


# resize_position_grid ------------------------------------------------------


def test_resize_is_identity_for_the_same_grid():
    position = torch.randn(1 + 6, 4)
    assert torch.equal(resize_position_grid(position, (2, 3), (2, 3)),
                       position)


def test_resize_shape_and_class_position():
    position = torch.randn(1 + 9, 5)
    out = resize_position_grid(position, (3, 3), (6, 2))
    assert out.shape == (1 + 6 * 2, 5)
    assert torch.equal(out[0], position[0])


def test_resize_keeps_a_constant_grid_constant():
    position = torch.full((1 + 4, 3), 0.7)
    position[0] = -5.0  # a different class position must not leak in
    out = resize_position_grid(position, (2, 2), (5, 3))
    assert torch.allclose(out[1:], torch.full((15, 3), 0.7))
    assert torch.equal(out[0], position[0])


def test_resize_keeps_a_row_ramp_monotone_along_rows():
    # Row-major grid whose value is the row index: 0 0 0 / 1 1 1 / 2 2 2.
    rows, cols = 3, 3
    ramp = torch.arange(rows).repeat_interleave(cols).float()
    position = torch.cat([torch.zeros(1), ramp]).unsqueeze(1).repeat(1, 2)
    out = resize_position_grid(position, (rows, cols), (8, 2))
    grid = out[1:, 0].reshape(8, 2)
    # Still a ramp along rows (not along columns: the orientation is kept).
    assert torch.allclose(grid[:, 0], grid[:, 1])
    assert torch.all(grid[1:, 0] >= grid[:-1, 0])
    assert grid[-1, 0] > grid[0, 0]
    assert grid.min() >= 0 and grid.max() <= rows - 1


# CLIPImageEncoder ------------------------------------------------------------


def test_output_shapes(encoder):
    out = encoder(torch.randn(3, 3, *IMAGE_SIZE))
    assert isinstance(out, EncoderOutput)
    assert out.embeds.shape == (3, 24)
    assert out.tokens.shape == (3, 1 + 4 * 2, 32)
    assert encoder.embed_dim == 24
    assert encoder.grid == (4, 2)
    assert encoder.position_embedding.shape == (1 + 8, 32)


def test_registered():
    built = BACKBONES.build(dict(type='CLIPImageEncoder',
                                 image_size=IMAGE_SIZE, config=CONFIG))
    assert isinstance(built, CLIPImageEncoder)


def test_token_filter_runs_before_the_blocks(encoder):
    images = torch.randn(2, 3, *IMAGE_SIZE)
    seen = []

    def keep_first_three(tokens):
        seen.append(tokens)
        return tokens[:, :3]

    with torch.no_grad():
        full = encoder(images)
        filtered = encoder(images, token_filter=keep_first_three)
        # The filter gets the embedded tokens (class first, positions added).
        assert torch.allclose(seen[0], encoder.embed(images))
        # The blocks saw 3 tokens: fewer states, and the class state differs
        # from the unfiltered run (attention over fewer tokens).
        assert filtered.tokens.shape == (2, 3, 32)
        assert not torch.allclose(filtered.tokens[:, 0], full.tokens[:, 0],
                                  atol=1e-4)
        manual = encoder.encoder(inputs_embeds=encoder.pre_layernorm(
            encoder.embed(images)[:, :3])).last_hidden_state
        assert torch.allclose(filtered.tokens, manual, atol=1e-5)


def test_wrong_input_size_names_the_grid(encoder):
    with pytest.raises(ValueError, match=r'\(4, 2\) grid'):
        encoder(torch.randn(1, 3, 16, 16))


def test_image_size_must_tile_with_patch_and_stride():
    with pytest.raises(ValueError, match='patch 8 and stride 8'):
        CLIPImageEncoder(image_size=(30, 16), config=CONFIG)
    with pytest.raises(ValueError, match='patch 8 and stride 6'):
        CLIPImageEncoder(image_size=(32, 16), config=CONFIG, patch_stride=6)


@pytest.mark.parametrize('both', [True, False])
def test_exactly_one_of_config_and_pretrained(both, tmp_path):
    kwargs = dict(config=CONFIG, pretrained=str(tmp_path)) if both else {}
    with pytest.raises(ValueError, match='exactly one of config'):
        CLIPImageEncoder(image_size=IMAGE_SIZE, **kwargs)


@pytest.fixture
def saved_vision_model(tmp_path):
    torch.manual_seed(1)
    model = CLIPVisionModelWithProjection(CLIPVisionConfig(**CONFIG)).eval()
    model.save_pretrained(tmp_path)
    return model, str(tmp_path)


def test_pretrained_square_matches_transformers(saved_vision_model):
    model, path = saved_vision_model
    encoder = CLIPImageEncoder(image_size=(16, 16), pretrained=path).eval()
    images = torch.randn(2, 3, 16, 16)
    with torch.no_grad():
        ours = encoder(images)
        theirs = model(pixel_values=images)
    assert torch.allclose(ours.embeds, theirs.image_embeds, atol=1e-5)
    assert torch.allclose(ours.tokens, theirs.last_hidden_state, atol=1e-5)


def test_pretrained_position_grid_is_resized(saved_vision_model):
    model, path = saved_vision_model
    encoder = CLIPImageEncoder(image_size=IMAGE_SIZE, pretrained=path)
    table = model.vision_model.embeddings.position_embedding.weight
    expected = resize_position_grid(table.detach(), (2, 2), (4, 2))
    assert torch.allclose(encoder.position_embedding, expected)
    assert encoder(torch.randn(1, 3, *IMAGE_SIZE)).tokens.shape == (1, 9, 32)


def test_mean_pooling_uses_the_patch_tokens(encoder):
    torch.manual_seed(0)
    mean_encoder = CLIPImageEncoder(image_size=IMAGE_SIZE, config=CONFIG,
                                    pooling='mean').eval()
    images = torch.randn(2, 3, *IMAGE_SIZE)
    out = mean_encoder(images)
    expected = mean_encoder.projection(
        mean_encoder.post_layernorm(out.tokens[:, 1:].mean(1)))
    assert torch.allclose(out.embeds, expected, atol=1e-6)
    # Same weights (same seed), CLS pooling: a different feature.
    assert not torch.allclose(out.embeds, encoder(images).embeds)


def test_unknown_pooling_is_refused():
    with pytest.raises(ValueError, match="pooling must be 'cls' or 'mean'"):
        CLIPImageEncoder(image_size=IMAGE_SIZE, config=CONFIG, pooling='max')


def test_cls_attention_equals_transformers_eager_attention(saved_vision_model):
    _, path = saved_vision_model
    reference = CLIPVisionModelWithProjection.from_pretrained(
        path, attn_implementation='eager').eval()
    encoder = CLIPImageEncoder(image_size=(16, 16), pretrained=path).eval()
    images = torch.randn(2, 3, 16, 16)
    with torch.no_grad():
        maps = reference(pixel_values=images,
                         output_attentions=True).attentions
        last = encoder(images, attention='last').attention
        every = encoder(images, attention='all').attention
    cls_rows = [layer[:, :, 0].mean(dim=1) for layer in maps]
    assert last.shape == (2, 1, 5)
    assert torch.allclose(last[:, 0], cls_rows[-1], atol=1e-6)
    assert torch.allclose(every, torch.stack(cls_rows, dim=1), atol=1e-6)
    assert torch.allclose(last.sum(-1), torch.ones(2, 1))


def test_attention_is_only_returned_when_asked(encoder):
    assert encoder(torch.randn(1, 3, *IMAGE_SIZE)).attention is None
    with pytest.raises(ValueError, match='attention must be one of'):
        encoder(torch.randn(1, 3, *IMAGE_SIZE), attention='first')


def test_overlapping_patches_resize_the_grid_to_the_stride():
    encoder = CLIPImageEncoder(image_size=IMAGE_SIZE, config=CONFIG,
                               patch_stride=4)
    assert encoder.grid == (7, 3)
    images = torch.randn(1, 3, *IMAGE_SIZE)
    assert encoder(images).tokens.shape == (1, 1 + 21, 32)
    # Patch (1, 1) starts at pixel (4, 4): the kernel applied to that crop.
    crop = images[:, :, 4:12, 4:12]
    expected = torch.nn.functional.conv2d(
        crop, encoder.patch_embedding.weight).flatten()
    assert torch.allclose(encoder.patch_embedding(images)[0, :, 1, 1],
                          expected, atol=1e-5)


def test_conv_stem_keeps_the_token_grid_and_sees_only_its_patch():
    torch.manual_seed(0)
    encoder = CLIPImageEncoder(image_size=IMAGE_SIZE, config=CONFIG,
                               conv_stem=[4, 8, 8]).eval()
    assert encoder.grid == (4, 2)
    images = torch.randn(2, 3, *IMAGE_SIZE)
    assert encoder(images).tokens.shape == (2, 1 + 8, 32)
    # Three 3x3 stride-2 convolutions (padding 1): token row r sees image
    # rows 8r-7 .. 8r+7, so rows from 8 on reach row 1 but not row 0.
    changed = images.clone()
    changed[:, :, 8:, :] = torch.randn_like(changed[:, :, 8:, :])
    stem = encoder.patch_embedding
    assert torch.equal(stem(images)[:, :, 0], stem(changed)[:, :, 0])
    assert not torch.equal(stem(images)[:, :, 1], stem(changed)[:, :, 1])
    assert sum(isinstance(m, torch.nn.BatchNorm2d) for m in stem) == 3


@pytest.mark.parametrize('stem, stride', [([4, 8], None), ([4, 8, 8], 4)])
def test_conv_stem_must_halve_down_to_the_patch_size(stem, stride):
    with pytest.raises(ValueError, match='2 \\*\\* len\\(conv_stem\\)'):
        CLIPImageEncoder(image_size=IMAGE_SIZE, config=CONFIG,
                         conv_stem=stem, patch_stride=stride)


def test_gradient_checkpointing_gives_the_same_gradients():
    images = torch.randn(2, 3, *IMAGE_SIZE)
    grads = []
    for checkpointing in (False, True):
        torch.manual_seed(0)
        encoder = CLIPImageEncoder(image_size=IMAGE_SIZE, config=CONFIG,
                                   gradient_checkpointing=checkpointing)
        out = encoder(images, attention='last')
        (out.embeds.sum() + out.attention.sum()).backward()
        grads.append(encoder.patch_embedding.weight.grad)
        assert encoder.encoder.gradient_checkpointing is checkpointing
    assert torch.allclose(grads[0], grads[1], atol=1e-5)


def test_sdpa_and_eager_kernels_agree():
    images = torch.randn(2, 3, *IMAGE_SIZE)
    outputs = []
    for kernel in ('sdpa', 'eager'):
        torch.manual_seed(0)
        encoder = CLIPImageEncoder(image_size=IMAGE_SIZE, config=CONFIG,
                                   attn_implementation=kernel).eval()
        assert encoder.encoder.config._attn_implementation == kernel
        outputs.append(encoder(images).embeds)
    assert torch.allclose(outputs[0], outputs[1], atol=1e-5)
    with pytest.raises(ValueError, match='attn_implementation'):
        CLIPImageEncoder(image_size=IMAGE_SIZE, config=CONFIG,
                         attn_implementation='flash')


def test_save_and_load_round_trip_gives_identical_features(tmp_path):
    torch.manual_seed(3)
    model = CLIPVisionModelWithProjection(CLIPVisionConfig(**CONFIG)).eval()
    first = tmp_path / 'first'
    model.save_pretrained(first)
    CLIPVisionModelWithProjection.from_pretrained(first).save_pretrained(
        tmp_path / 'second')
    images = torch.randn(2, 3, *IMAGE_SIZE)
    features = [
        CLIPImageEncoder(image_size=IMAGE_SIZE, pretrained=str(path)).eval()(
            images).embeds for path in (first, tmp_path / 'second')
    ]
    assert torch.equal(features[0], features[1])
