"""Build a retriever for inference from a config or a model zoo entry."""
import os.path as osp
from typing import Optional, Union

from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmengine.runner import load_checkpoint

from amnsfw.model_zoo import ZOO_PREFIX, list_entries, zoo_retriever_config
from amnsfw.registry import MODELS


def init_model(model: Union[str, Config],
               checkpoint: Optional[str] = None,
               device: str = 'cpu'):
    """A :class:`~amnsfw.models.TextImageRetriever` in eval mode.

    Args:
        model (str | Config): An experiment config or its path, or a
            model zoo entry
            (``'tinyclip-synthpedes'`` or ``'zoo://tinyclip-synthpedes'``):
            its pretrained towers and tokenizer, for zero-shot retrieval.
        checkpoint (str, optional): Trained weights of the config's model
            (a runner checkpoint or any file with a ``state_dict``). Not
            with a zoo entry. Defaults to None.
        device (str): Defaults to ``'cpu'``.

    Raises:
        FileNotFoundError: The config or the checkpoint file is missing.

    Example::

        model = init_model('tinyclip-synthpedes')
        features = model.extract_feat(inputs)
    """
    init_default_scope('amnsfw')
    if isinstance(model, Config):
        return _config_model(model, checkpoint, device)
    name = model[len(ZOO_PREFIX):] if model.startswith(ZOO_PREFIX) else model
    if not osp.isfile(model) and name in list_entries():
        if checkpoint is not None:
            raise ValueError(f'{model!r} is a model zoo entry: it brings its '
                             'own weights, give no checkpoint')
        return MODELS.build(zoo_retriever_config(name)).to(device).eval()
    if not osp.isfile(model):
        raise FileNotFoundError(
            f'{model!r} is neither a config file nor a model zoo entry '
            f'(known entries: {sorted(list_entries())})')
    return _config_model(Config.fromfile(model), checkpoint, device)


def _config_model(cfg: Config, checkpoint: Optional[str], device: str):
    """The config's model with the checkpoint's weights (strictly)."""
    if checkpoint is not None and not osp.isfile(checkpoint):
        raise FileNotFoundError(f'checkpoint file not found: {checkpoint}')
    retriever = MODELS.build(cfg.model)
    if checkpoint is not None:
        load_checkpoint(retriever, checkpoint, map_location='cpu',
                        strict=True)
    return retriever.to(device).eval()
