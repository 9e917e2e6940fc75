"""One tokenizer per experiment: the model's, in every text pipeline.

The data bases build their text transforms with the model's tokenizer when
the config is read; an override of ``model.tokenizer`` afterwards (with
``--cfg-options``) leaves the pipelines on the old one, and the model would
read ids of another vocabulary. :func:`check_one_tokenizer` refuses that.
"""
from mmengine.config import Config

from amnsfw.errors import ConfigError

#: The loaders whose data sets may carry a text pipeline.
LOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader')


def check_one_tokenizer(cfg: Config) -> None:
    """Refuse a config whose text transforms tokenize with another tokenizer
    than ``model.tokenizer``.

    A config without a model tokenizer, or loaders without text pipelines,
    passes.

    Args:
        cfg (Config): An experiment config.

    Raises:
        ConfigError: A transform's ``tokenizer`` differs from the model's;
            the message names the loader, the transform and the key that
            differs.
    """
    model = cfg.get('model') or {}
    expected = model.get('tokenizer')
    if expected is None:
        return
    for loader in LOADERS:
        dataset = (cfg.get(loader) or {}).get('dataset') or {}
        for index, transform in enumerate(dataset.get('text_pipeline', ())):
            tokenizer = transform.get('tokenizer')
            if tokenizer is None or tokenizer == expected:
                continue
            keys = sorted(key for key in set(tokenizer) | set(expected)
                          if tokenizer.get(key) != expected.get(key))
            raise ConfigError(
                f'{loader}.dataset.text_pipeline.{index} '
                f'({transform.get("type")}) tokenizes with another tokenizer '
                f'than model.tokenizer (they differ in {keys}); the data base '
                'copies the model\'s tokenizer when the config is read, so '
                'change it in the model base, not with --cfg-options')
