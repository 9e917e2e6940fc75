"""Build a retriever's part, filling in the facts of the model it joins."""
import inspect
from typing import Mapping

from torch import nn

#: What a loss head, embedding head or masker may ask for by naming it as a
#: constructor argument; values a config gives explicitly win.
MODEL_FACTS = ('tokenizer', 'vocab_size', 'embed_dim', 'image_width',
               'text_width', 'image_encoder', 'num_classes')


def build_with_model_facts(registry, cfg: dict,
                           facts: Mapping[str, object]) -> nn.Module:
    """``registry.build(cfg)``, passing each of ``facts`` whose name the
    component's ``__init__`` takes and ``cfg`` does not set.

    A component given ``image_encoder`` must not keep it as an attribute
    (that would register the encoder twice); copy what it needs.
    """
    kind = cfg['type']
    component = registry.get(kind) if isinstance(kind, str) else kind
    accepted = inspect.signature(component).parameters
    default_args = {name: value for name, value in facts.items()
                    if name in accepted and name not in cfg}
    return registry.build(cfg, default_args=default_args)
