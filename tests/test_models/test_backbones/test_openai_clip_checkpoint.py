"""OpenAI CLIP -> transformers conversion, checked against open_clip's own
forward pass on a tiny random CLIP with OpenAI's key layout."""
from types import SimpleNamespace

import open_clip
import pytest
import torch
from torch import nn
from transformers import CLIPModel

from amnsfw.models.backbones import CLIPImageEncoder, CLIPTextEncoder
from amnsfw.models.backbones.clip_image_encoder import resize_position_grid
from amnsfw.models.backbones.openai_clip_checkpoint import (
    convert_openai_clip, convert_openai_state_dict, infer_clip_config,
    load_openai_state_dict)

# Width 128 -> 2 heads in both towers, OpenAI's width // 64.
WIDTH, LAYERS, EMBED_DIM, VOCAB, CONTEXT = 128, 2, 16, 100, 12
SOT, EOT = VOCAB - 2, VOCAB - 1
TOKENIZER = SimpleNamespace(vocab_size=VOCAB, max_length=CONTEXT, eot_id=EOT,
                            sot_id=SOT, pad_id=0)


def tiny_openai_clip() -> nn.Module:
    """A random ViT CLIP, every tensor perturbed (no zero bias, no unit
    layer-norm weight) so that any swapped tensor changes the output."""
    torch.manual_seed(0)
    model = open_clip.model.CLIP(
        embed_dim=EMBED_DIM,
        vision_cfg=dict(image_size=32, layers=LAYERS, width=WIDTH,
                        patch_size=16, head_width=64),
        text_cfg=dict(context_length=CONTEXT, vocab_size=VOCAB, width=WIDTH,
                      heads=WIDTH // 64, layers=LAYERS),
        quick_gelu=True).eval()
    with torch.no_grad():
        for param in model.parameters():
            param.add_(0.05 * torch.randn_like(param))
    return model


def captions() -> tuple:
    """Three captions: SOT, random words, EOT (the largest id), padding."""
    lengths = torch.tensor([3, 7, CONTEXT - 1])
    ids = torch.zeros(len(lengths), CONTEXT, dtype=torch.long)
    ids[:, 0] = SOT
    for row, length in enumerate(lengths):
        ids[row, 1:length] = torch.randint(1, SOT, (int(length) - 1,))
        ids[row, length] = EOT
    mask = (torch.arange(CONTEXT) <= lengths[:, None]).long()
    return ids, mask


def script_holder(state_dict: dict, metadata: dict) -> torch.jit.ScriptModule:
    """A TorchScript module whose state dict is ``state_dict`` in float16
    plus ``metadata`` scalars, as OpenAI's archive stores them."""
    root = nn.Module()
    for key, tensor in state_dict.items():
        *path, name = key.split('.')
        module = root
        for part in path:
            if not hasattr(module, part):
                module.add_module(part, nn.Module())
            module = getattr(module, part)
        module.register_parameter(
            name, nn.Parameter(tensor.half().clone(), requires_grad=False))
    for name, value in metadata.items():
        root.register_buffer(name, torch.tensor(value))
    return torch.jit.script(root)


@pytest.fixture(scope='module')
def reference():
    return tiny_openai_clip()


@pytest.fixture(scope='module')
def state_dict(reference):
    return reference.state_dict()


@pytest.fixture(scope='module')
def converted(reference, tmp_path_factory):
    folder = tmp_path_factory.mktemp('converted')
    torch.save(reference.state_dict(), folder / 'openai.pt')
    convert_openai_clip(folder / 'openai.pt', folder / 'clip')
    return folder / 'clip'


def test_open_clip_uses_openai_key_names(state_dict):
    for key in ('visual.conv1.weight', 'visual.class_embedding',
                'visual.transformer.resblocks.0.attn.in_proj_weight',
                'visual.ln_pre.weight', 'visual.proj',
                'token_embedding.weight',
                'positional_embedding', 'text_projection', 'ln_final.bias',
                'logit_scale'):
        assert key in state_dict


def test_infer_clip_config_reads_the_sizes(state_dict):
    config = infer_clip_config(state_dict)
    vision, text = config.vision_config, config.text_config
    assert (vision.hidden_size, vision.num_hidden_layers,
            vision.num_attention_heads, vision.intermediate_size,
            vision.patch_size, vision.image_size) == (128, 2, 2, 512, 16, 32)
    assert (text.hidden_size, text.num_hidden_layers,
            text.num_attention_heads, text.vocab_size,
            text.max_position_embeddings) == (128, 2, 2, VOCAB, CONTEXT)
    assert (text.bos_token_id, text.eos_token_id) == (SOT, EOT)
    assert config.projection_dim == EMBED_DIM
    assert vision.hidden_act == text.hidden_act == 'quick_gelu'
    assert vision.layer_norm_eps == text.layer_norm_eps == 1e-5
    assert config.logit_scale_init_value == pytest.approx(
        float(state_dict['logit_scale']))


def test_conversion_fills_clip_model_exactly(state_dict):
    converted = convert_openai_state_dict(state_dict)
    expected = CLIPModel(infer_clip_config(state_dict)).state_dict()
    assert {k: v.shape for k, v in converted.items()} == {
        k: v.shape for k, v in expected.items()}
    fused = state_dict['transformer.resblocks.1.attn.in_proj_weight']
    layer = 'text_model.encoder.layers.1.self_attn'
    for part, name in enumerate('qkv'):
        assert torch.equal(converted[f'{layer}.{name}_proj.weight'],
                           fused[part * WIDTH:(part + 1) * WIDTH])
    # x @ proj (OpenAI) is Linear(x) with weight proj.T (transformers).
    assert torch.equal(converted['visual_projection.weight'],
                       state_dict['visual.proj'].T)
    assert torch.equal(converted['vision_model.pre_layrnorm.weight'],
                       state_dict['visual.ln_pre.weight'])


def test_image_encoder_matches_open_clip(reference, converted):
    encoder = CLIPImageEncoder(image_size=(32, 32), pretrained=str(converted))
    images = torch.randn(3, 3, 32, 32)
    with torch.no_grad():
        ours = encoder.eval()(images).embeds
        theirs = reference.encode_image(images, normalize=False)
    assert torch.allclose(ours, theirs, atol=1e-5)


def test_text_encoder_matches_open_clip(reference, converted):
    encoder = CLIPTextEncoder(TOKENIZER, pretrained=str(converted)).eval()
    torch.manual_seed(1)
    ids, mask = captions()
    with torch.no_grad():
        ours = encoder(ids, mask).embeds
        theirs = reference.encode_text(ids, normalize=False)
    assert torch.allclose(ours, theirs, atol=1e-5)


def test_non_square_images_match_open_clip_with_the_resized_grid(
        converted, state_dict):
    encoder = CLIPImageEncoder(image_size=(64, 32), pretrained=str(converted))
    assert encoder.grid == (4, 2)
    # open_clip adds its position table as it is: give it the same resize.
    reference = tiny_openai_clip()
    reference.visual.positional_embedding = nn.Parameter(resize_position_grid(
        state_dict['visual.positional_embedding'], (2, 2), (4, 2)))
    images = torch.randn(2, 3, 64, 32)
    with torch.no_grad():
        ours = encoder.eval()(images).embeds
        theirs = reference.encode_image(images, normalize=False)
    assert torch.allclose(ours, theirs, atol=1e-5)


@pytest.mark.filterwarnings('ignore:`torch.jit.script` is deprecated')
def test_torchscript_archive_in_float16(state_dict, tmp_path):
    metadata = dict(input_resolution=32, context_length=CONTEXT,
                    vocab_size=VOCAB)
    script_holder(state_dict, metadata).save(str(tmp_path / 'ViT.pt'))
    loaded = load_openai_state_dict(tmp_path / 'ViT.pt')
    assert set(loaded) == set(state_dict) | set(metadata)
    assert torch.equal(loaded['visual.proj'], state_dict['visual.proj'].half())
    convert_openai_clip(tmp_path / 'ViT.pt', tmp_path / 'clip')
    encoder = CLIPImageEncoder(image_size=(32, 32),
                               pretrained=str(tmp_path / 'clip'))
    weight = encoder.patch_embedding.weight
    assert weight.dtype == torch.float32
    assert torch.equal(weight,
                       state_dict['visual.conv1.weight'].half().float())


def test_metadata_that_disagrees_with_the_weights_is_refused(state_dict):
    with pytest.raises(ValueError, match='context_length is 77'):
        infer_clip_config(dict(state_dict, context_length=torch.tensor(77)))


def test_module_prefix_is_stripped(state_dict, tmp_path):
    torch.save({f'module.{key}': value for key, value in state_dict.items()},
               tmp_path / 'ddp.pt')
    loaded = load_openai_state_dict(tmp_path / 'ddp.pt')
    assert set(loaded) == set(state_dict)
    assert torch.equal(loaded['text_projection'],
                       state_dict['text_projection'])


def test_missing_and_unexpected_keys_are_named(state_dict):
    missing = dict(state_dict)
    del missing['transformer.resblocks.1.attn.in_proj_bias']
    with pytest.raises(ValueError,
                       match=r"missing keys \['transformer.resblocks.1.attn"
                       r".in_proj_bias'\], unexpected keys \[\]"):
        convert_openai_state_dict(missing)
    with pytest.raises(ValueError, match="'visual.extra_token'"):
        convert_openai_state_dict(
            dict(state_dict, **{'visual.extra_token': torch.zeros(3)}))
    del missing['visual.conv1.weight']
    with pytest.raises(ValueError, match="missing key 'visual.conv1.weight'"):
        convert_openai_state_dict(missing)


def test_resnet_checkpoint_is_refused(state_dict):
    resnet = {key: value for key, value in state_dict.items()
              if not key.startswith('visual.')}
    resnet['visual.conv1.weight'] = torch.zeros(32, 3, 3, 3)
    resnet['visual.layer1.0.conv1.weight'] = torch.zeros(64, 32, 1, 1)
    with pytest.raises(ValueError, match='ResNet'):
        convert_openai_state_dict(resnet)
