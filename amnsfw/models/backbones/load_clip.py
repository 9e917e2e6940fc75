"""Build a transformers CLIP tower from a config or a pretrained checkpoint."""
from typing import Optional, Type

from transformers import PretrainedConfig, PreTrainedModel


def load_clip_tower(model_class: Type[PreTrainedModel],
                    config_class: Type[PretrainedConfig],
                    config: Optional[dict],
                    pretrained: Optional[str]) -> PreTrainedModel:
    """``model_class.from_pretrained(pretrained)``, or random weights from
    ``config_class(**config)``; exactly one of the two must be given.

    Args:
        model_class (type): E.g. ``CLIPVisionModelWithProjection``.
        config_class (type): E.g. ``CLIPVisionConfig``.
        config (dict, optional): Config arguments for random weights.
        pretrained (str, optional): Local folder or hub name.
    """
    if (config is None) == (pretrained is None):
        raise ValueError(f'{model_class.__name__} needs exactly one of config '
                         f'and pretrained, got config={config!r}, '
                         f'pretrained={pretrained!r}')
    if pretrained is not None:
        return model_class.from_pretrained(pretrained)
    return model_class(config_class(**config))
