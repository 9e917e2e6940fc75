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


def test_image_size_must_be_a_multiple_of_the_patch():
    with pytest.raises(ValueError, match='multiple of the patch size 8'):
        CLIPImageEncoder(image_size=(30, 16), config=CONFIG)


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
