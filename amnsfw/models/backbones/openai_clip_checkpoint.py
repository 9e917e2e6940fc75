"""Convert OpenAI's CLIP checkpoints (``ViT-B-16.pt``...) to transformers'
``CLIPModel`` layout, the format ``CLIPImageEncoder`` and ``CLIPTextEncoder``
load with ``from_pretrained``.

OpenAI's keys (``visual.transformer.resblocks.N.attn.in_proj_weight``...)
are renamed to transformers' (``vision_model.encoder.layers.N.self_attn.
q_proj.weight``...); every tensor is either converted or reported, never
dropped. Only ViT image towers are handled, not the ResNet ones (RN50...).
"""
import re
import shutil
import warnings
import zipfile
from pathlib import Path
from typing import Dict, List, Mapping, Set, Tuple, Union

import torch
from transformers import CLIPConfig, CLIPModel

StateDict = Dict[str, torch.Tensor]

#: Scalars OpenAI's TorchScript archive stores beside the weights; they are
#: checked against the sizes read from the weights and not written.
METADATA_KEYS = ('input_resolution', 'context_length', 'vocab_size')

#: OpenAI's head width: ``heads = width // 64`` in both towers.
HEAD_WIDTH = 64

#: Tokenizer files copied from a transformers CLIP folder when present.
TOKENIZER_FILES = ('vocab.json', 'merges.txt', 'tokenizer.json',
                   'tokenizer_config.json', 'special_tokens_map.json')

#: Block parameters: OpenAI suffix -> transformers suffix (q/k/v aside).
BLOCK_KEYS = {
    'ln_1.weight': 'layer_norm1.weight',
    'ln_1.bias': 'layer_norm1.bias',
    'attn.out_proj.weight': 'self_attn.out_proj.weight',
    'attn.out_proj.bias': 'self_attn.out_proj.bias',
    'ln_2.weight': 'layer_norm2.weight',
    'ln_2.bias': 'layer_norm2.bias',
    'mlp.c_fc.weight': 'mlp.fc1.weight',
    'mlp.c_fc.bias': 'mlp.fc1.bias',
    'mlp.c_proj.weight': 'mlp.fc2.weight',
    'mlp.c_proj.bias': 'mlp.fc2.bias',
}
#: The fused attention input, split into the q, k and v projections.
IN_PROJ_KEYS = {'attn.in_proj_weight': 'weight', 'attn.in_proj_bias': 'bias'}

#: Tensors outside the blocks copied as they are: OpenAI -> transformers.
COPIED_KEYS = {
    'visual.class_embedding': 'vision_model.embeddings.class_embedding',
    'visual.positional_embedding':
    'vision_model.embeddings.position_embedding.weight',
    'visual.conv1.weight': 'vision_model.embeddings.patch_embedding.weight',
    'visual.ln_pre.weight': 'vision_model.pre_layrnorm.weight',
    'visual.ln_pre.bias': 'vision_model.pre_layrnorm.bias',
    'visual.ln_post.weight': 'vision_model.post_layernorm.weight',
    'visual.ln_post.bias': 'vision_model.post_layernorm.bias',
    'token_embedding.weight': 'text_model.embeddings.token_embedding.weight',
    'positional_embedding': 'text_model.embeddings.position_embedding.weight',
    'ln_final.weight': 'text_model.final_layer_norm.weight',
    'ln_final.bias': 'text_model.final_layer_norm.bias',
    'logit_scale': 'logit_scale',
}
#: ``(width, dim)`` projections, stored as ``(dim, width)`` Linear weights.
TRANSPOSED_KEYS = {
    'visual.proj': 'visual_projection.weight',
    'text_projection': 'text_projection.weight',
}
#: OpenAI block prefix -> transformers layer prefix, per tower.
TOWER_BLOCKS = {
    'visual.transformer.resblocks': 'vision_model.encoder.layers',
    'transformer.resblocks': 'text_model.encoder.layers',
}


def _require(state_dict: Mapping[str, torch.Tensor],
             key: str) -> torch.Tensor:
    """``state_dict[key]``, or a ValueError naming the missing key."""
    if key not in state_dict:
        raise ValueError(f'not an OpenAI CLIP ViT state dict: missing key '
                         f'{key!r} ({len(state_dict)} keys found)')
    return state_dict[key]


def _refuse_resnet(state_dict: Mapping[str, torch.Tensor]) -> None:
    """Raise on OpenAI's ResNet image towers (``visual.layer1``...)."""
    resnet = sorted(key for key in state_dict
                    if key.startswith(('visual.layer1.', 'visual.attnpool.')))
    if resnet:
        raise ValueError(
            'this is an OpenAI CLIP ResNet checkpoint (RN50, RN101...: keys '
            f'such as {resnet[0]!r}); only ViT image towers (ViT-B/32, '
            'ViT-B/16, ViT-L/14...) convert to transformers CLIP')


def _count_blocks(state_dict: Mapping[str, torch.Tensor], prefix: str) -> int:
    """Blocks of a tower: one more than the highest ``prefix.N`` index."""
    pattern = re.compile(re.escape(prefix) + r'\.(\d+)\.')
    indices = [int(match.group(1)) for match in map(pattern.match, state_dict)
               if match]
    if not indices:
        raise ValueError(f'not an OpenAI CLIP ViT state dict: no keys under '
                         f'{prefix!r}.N')
    return max(indices) + 1


def infer_clip_config(state_dict: Mapping[str, torch.Tensor]) -> CLIPConfig:
    """Read the sizes of an OpenAI CLIP ViT from its tensors.

    Heads are ``width // 64`` as in OpenAI's ``build_model``; the activation
    is QuickGELU and the layer-norm eps 1e-5. The text ``bos``/``eos`` ids
    are the last two vocabulary ids, where OpenAI's tokenizer puts
    ``<|startoftext|>`` and ``<|endoftext|>`` (49406, 49407 for CLIP BPE).

    Args:
        state_dict (Mapping[str, Tensor]): OpenAI's keys, without a
            ``module.`` prefix.

    Returns:
        CLIPConfig: The config of the matching transformers ``CLIPModel``.
    """
    _refuse_resnet(state_dict)
    patch_weight = _require(state_dict, 'visual.conv1.weight')
    vision_width, channels, patch, _ = patch_weight.shape
    positions = _require(state_dict, 'visual.positional_embedding').shape[0]
    side = round((positions - 1)**0.5)
    if side * side != positions - 1:
        raise ValueError(f'visual.positional_embedding has {positions} rows; '
                         'expected 1 + a square number of patch positions')
    vision_layers = _count_blocks(state_dict, 'visual.transformer.resblocks')
    vision_mlp = _require(
        state_dict,
        'visual.transformer.resblocks.0.mlp.c_fc.weight').shape[0]
    vocab_size, text_width = _require(state_dict,
                                      'token_embedding.weight').shape
    context_length = _require(state_dict, 'positional_embedding').shape[0]
    text_layers = _count_blocks(state_dict, 'transformer.resblocks')
    text_mlp = _require(state_dict,
                        'transformer.resblocks.0.mlp.c_fc.weight').shape[0]
    projection_dim = _require(state_dict, 'text_projection').shape[1]
    visual_dim = _require(state_dict, 'visual.proj').shape[1]
    if visual_dim != projection_dim:
        raise ValueError(f'visual.proj projects to {visual_dim} dimensions '
                         f'but text_projection to {projection_dim}')
    for width in (vision_width, text_width):
        if width % HEAD_WIDTH:
            raise ValueError(f'tower width {width} is not a multiple of '
                             f"OpenAI's head width {HEAD_WIDTH}")
    image_size = side * patch
    found = dict(input_resolution=image_size, context_length=context_length,
                 vocab_size=vocab_size)
    for key in METADATA_KEYS:
        if key in state_dict and int(state_dict[key]) != found[key]:
            raise ValueError(f'{key} is {int(state_dict[key])} but the '
                             f'weights give {found[key]}')
    shared = dict(hidden_act='quick_gelu', layer_norm_eps=1e-5,
                  projection_dim=projection_dim)
    vision_config = dict(
        shared, hidden_size=vision_width, intermediate_size=vision_mlp,
        num_hidden_layers=vision_layers,
        num_attention_heads=vision_width // HEAD_WIDTH,
        num_channels=channels, image_size=image_size, patch_size=patch)
    text_config = dict(
        shared, hidden_size=text_width, intermediate_size=text_mlp,
        num_hidden_layers=text_layers,
        num_attention_heads=text_width // HEAD_WIDTH, vocab_size=vocab_size,
        max_position_embeddings=context_length,
        bos_token_id=vocab_size - 2, eos_token_id=vocab_size - 1)
    logit_scale = _require(state_dict, 'logit_scale')
    return CLIPConfig(text_config=text_config, vision_config=vision_config,
                      projection_dim=projection_dim,
                      logit_scale_init_value=float(logit_scale))


def _expected_keys(config: CLIPConfig) -> Set[str]:
    """The OpenAI keys a ViT CLIP of ``config``'s sizes holds."""
    expected = set(COPIED_KEYS) | set(TRANSPOSED_KEYS)
    layers = {
        'visual.transformer.resblocks':
        config.vision_config.num_hidden_layers,
        'transformer.resblocks': config.text_config.num_hidden_layers,
    }
    for prefix, count in layers.items():
        for index in range(count):
            for suffix in (*BLOCK_KEYS, *IN_PROJ_KEYS):
                expected.add(f'{prefix}.{index}.{suffix}')
    return expected


def _check_keys(state_dict: Mapping[str, torch.Tensor],
                config: CLIPConfig) -> None:
    """Raise a ValueError listing missing and unexpected keys, if any."""
    expected = _expected_keys(config)
    found = set(state_dict) - set(METADATA_KEYS)
    missing, unexpected = sorted(expected - found), sorted(found - expected)
    if missing or unexpected:
        raise ValueError(
            'the state dict does not match an OpenAI CLIP ViT with '
            f'{config.vision_config.num_hidden_layers} image and '
            f'{config.text_config.num_hidden_layers} text blocks: missing '
            f'keys {missing}, unexpected keys {unexpected}')


def _split_block_key(key: str) -> Tuple[str, str]:
    """``(transformers layer prefix, OpenAI suffix)`` of a block key."""
    for openai, ours in TOWER_BLOCKS.items():
        match = re.match(re.escape(openai) + r'\.(\d+)\.(.+)$', key)
        if match:
            return f'{ours}.{match.group(1)}', match.group(2)
    raise ValueError(f'unexpected key {key!r}')


def convert_openai_state_dict(
        state_dict: Mapping[str, torch.Tensor]) -> StateDict:
    """Rename and reshape OpenAI CLIP ViT tensors into ``CLIPModel`` keys.

    The fused attention input (``in_proj_weight``/``in_proj_bias``) is split
    in three equal parts, q, k, v in that order; ``visual.proj`` and
    ``text_projection`` (``x @ proj``) become Linear weights (their
    transposes). The metadata scalars of the TorchScript archive are checked
    by ``infer_clip_config`` and left out.

    Args:
        state_dict (Mapping[str, Tensor]): OpenAI's keys, without a
            ``module.`` prefix.

    Returns:
        dict[str, Tensor]: transformers ``CLIPModel`` keys, dtypes kept.

    Raises:
        ValueError: On a ResNet checkpoint, or when keys are missing or
            unexpected (all of them are named).
    """
    config = infer_clip_config(state_dict)
    _check_keys(state_dict, config)
    converted = {}
    for key, tensor in state_dict.items():
        if key in METADATA_KEYS:
            continue
        if key in COPIED_KEYS:
            converted[COPIED_KEYS[key]] = tensor
        elif key in TRANSPOSED_KEYS:
            converted[TRANSPOSED_KEYS[key]] = tensor.t().contiguous()
        else:
            layer, suffix = _split_block_key(key)
            if suffix in IN_PROJ_KEYS:
                parts = tensor.chunk(3, dim=0)
                for name, part in zip(('q', 'k', 'v'), parts):
                    converted[f'{layer}.self_attn.{name}_proj.'
                              f'{IN_PROJ_KEYS[suffix]}'] = part.clone()
            else:
                converted[f'{layer}.{BLOCK_KEYS[suffix]}'] = tensor
    return converted


def _is_torchscript(path: Path) -> bool:
    """A TorchScript archive is a zip file holding ``constants.pkl``."""
    if not zipfile.is_zipfile(path):
        return False
    with zipfile.ZipFile(path) as archive:
        return any(name.endswith('/constants.pkl')
                   for name in archive.namelist())


def load_openai_state_dict(path: Union[str, Path]) -> StateDict:
    """Load OpenAI CLIP weights from a TorchScript archive (OpenAI's
    ``ViT-B-16.pt``) or a ``torch.save``'d state dict (loaded with
    ``weights_only=True``), on the CPU; a leading ``module.`` (from
    ``DataParallel``) is stripped from the keys.

    Args:
        path (str | Path): The checkpoint file.

    Returns:
        dict[str, Tensor]: OpenAI's keys.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f'no checkpoint file at {path}')
    if _is_torchscript(path):
        # OpenAI ships TorchScript; torch.jit.load is its only reader.
        with warnings.catch_warnings():
            warnings.simplefilter('ignore', FutureWarning)
            archive = torch.jit.load(str(path), map_location='cpu')
        state_dict = archive.state_dict()
    else:
        state_dict = torch.load(path, map_location='cpu', weights_only=True)
    if not isinstance(state_dict, Mapping) or not all(
            isinstance(value, torch.Tensor) for value in state_dict.values()):
        raise ValueError(f'{path} holds a {type(state_dict).__name__}; '
                         'expected a state dict (names -> tensors) or a '
                         'TorchScript archive')
    return {key.removeprefix('module.'): value
            for key, value in state_dict.items()}


def copy_tokenizer_files(src: Union[str, Path],
                         dst: Union[str, Path]) -> List[Path]:
    """Copy CLIP's tokenizer files (``vocab.json``, ``merges.txt``,
    ``tokenizer.json``, ``tokenizer_config.json``, ``special_tokens_map.json``,
    those present) from a folder such as a transformers CLIP checkpoint.

    Args:
        src (str | Path): The folder holding the tokenizer files.
        dst (str | Path): The converted checkpoint folder.

    Returns:
        list[Path]: The files written.
    """
    src, dst = Path(src), Path(dst)
    present = [name for name in TOKENIZER_FILES if (src / name).is_file()]
    if not present:
        raise FileNotFoundError(f'no tokenizer files in {src}; expected some '
                                f'of {list(TOKENIZER_FILES)}')
    dst.mkdir(parents=True, exist_ok=True)
    return [Path(shutil.copy2(src / name, dst / name)) for name in present]


def convert_openai_clip(src: Union[str, Path],
                        dst: Union[str, Path]) -> List[Path]:
    """Write an OpenAI CLIP ViT checkpoint as a transformers ``CLIPModel``
    folder (``config.json`` and the weights, via ``save_pretrained``) that
    ``CLIPVisionModelWithProjection`` and ``CLIPTextModelWithProjection``
    load. The weights are written in float32 (OpenAI's archive stores
    float16), as OpenAI's ``clip.load`` runs them on the CPU.

    Args:
        src (str | Path): OpenAI's ``.pt`` file or a saved state dict.
        dst (str | Path): The output folder.

    Returns:
        list[Path]: The files in ``dst``.
    """
    state_dict = load_openai_state_dict(src)
    config = infer_clip_config(state_dict)
    model = CLIPModel(config)
    model.load_state_dict(convert_openai_state_dict(state_dict), strict=True)
    dst = Path(dst)
    model.save_pretrained(dst)
    return sorted(path for path in dst.iterdir() if path.is_file())
