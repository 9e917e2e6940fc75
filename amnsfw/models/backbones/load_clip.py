"""Build a transformers CLIP tower from a config or a pretrained checkpoint."""
from typing import Optional, Type

from transformers import PretrainedConfig, PreTrainedModel

ATTENTION_KERNELS = ('sdpa', 'eager')


def load_clip_tower(model_class: Type[PreTrainedModel],
                    config_class: Type[PretrainedConfig],
                    config: Optional[dict],
                    pretrained: Optional[str],
                    attn_implementation: str = 'sdpa',
                    gradient_checkpointing: bool = False) -> PreTrainedModel:
    """``model_class.from_pretrained(pretrained)``, or random weights from
    ``config_class(**config)``; exactly one of the two must be given.

    Args:
        model_class (type): E.g. ``CLIPVisionModelWithProjection``.
        config_class (type): E.g. ``CLIPVisionConfig``.
        config (dict, optional): Config arguments for random weights.
        pretrained (str, optional): Local folder or hub name.
        attn_implementation (str): ``'sdpa'`` or ``'eager'``. Defaults to
            ``'sdpa'``.
        gradient_checkpointing (bool): Enable transformers' per-layer
            activation checkpointing (non-reentrant). Defaults to False.
    """
    if (config is None) == (pretrained is None):
        raise ValueError(f'{model_class.__name__} needs exactly one of config '
                         f'and pretrained, got config={config!r}, '
                         f'pretrained={pretrained!r}')
    if attn_implementation not in ATTENTION_KERNELS:
        raise ValueError(f'attn_implementation must be one of '
                         f'{ATTENTION_KERNELS}, got {attn_implementation!r}')
    if pretrained is not None:
        model = model_class.from_pretrained(
            pretrained, attn_implementation=attn_implementation)
    else:
        model = model_class(
            config_class(**config, attn_implementation=attn_implementation))
    if gradient_checkpointing:
        model.gradient_checkpointing_enable(
            gradient_checkpointing_kwargs=dict(use_reentrant=False))
    return model
