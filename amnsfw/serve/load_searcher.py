"""A :class:`~amnsfw.apis.TextImageSearcher` from a config and checkpoint,
or from a model zoo entry alone."""
import os.path as osp
from typing import Optional, Tuple

from mmengine.config import Config

from amnsfw.apis import TextImageSearcher
from amnsfw.model_zoo import (ZOO_PREFIX, get_entry, list_entries,
                              zoo_retriever_config)

#: Where a zoo entry's ``--split`` gallery is read from: a zoo entry names
#: no data set, so it is a CUHK-PEDES-format folder, SynthPEDES by default.
ZOO_DATA_ROOT = 'data/SynthPEDES'


def zoo_name(model: str) -> Optional[str]:
    """The zoo entry ``model`` names (``name`` or ``zoo://name``), or None
    when it is a file or no entry."""
    name = model[len(ZOO_PREFIX):] if model.startswith(ZOO_PREFIX) else model
    if osp.isfile(model) or name not in list_entries():
        return None
    return name


def zoo_config(name: str) -> Config:
    """A config for zero-shot search with a zoo entry: its retriever, and a
    test data set (CUHK-PEDES format at :data:`ZOO_DATA_ROOT`) whose image
    pipeline resizes to the entry's input size."""
    towers = get_entry(name).meta['towers']
    height, width = towers['image_encoder'].get('image_size', (224, 224))
    pipeline = [
        dict(type='LoadPersonImage'),
        dict(type='Resize', scale=(width, height), keep_ratio=False),
        dict(type='ImageToRGBTensor'),
    ]
    return Config(dict(
        model=zoo_retriever_config(name),
        test_dataloader=dict(dataset=dict(
            type='CUHKPEDES', data_root=ZOO_DATA_ROOT, split='test',
            image_pipeline=pipeline))))


def load_searcher(model: str, checkpoint: Optional[str] = None,
                  device: str = 'cpu') -> Tuple[TextImageSearcher, str]:
    """The searcher of a config and its checkpoint, or of a zoo entry.

    Args:
        model (str): A config file, or a zoo entry (``'tinyclip-synthpedes'``
            or ``'zoo://tinyclip-synthpedes'``).
        checkpoint (str, optional): Trained weights; required with a config,
            refused with a zoo entry. Defaults to None.
        device (str): Defaults to ``'cpu'``.

    Returns:
        Tuple[TextImageSearcher, str]: The searcher (no gallery yet) and a
        one-line description of the model.

    Raises:
        ValueError: A checkpoint is missing for a config, or given for a
            zoo entry.
        FileNotFoundError: ``model`` is neither a config file nor a zoo
            entry, or the checkpoint file is missing.
    """
    name = zoo_name(model)
    if name is None:
        if not osp.isfile(model):
            raise FileNotFoundError(
                f'{model!r} is neither a config file nor a model zoo entry '
                f'(known entries: {sorted(list_entries())})')
        if checkpoint is None:
            raise ValueError(f'{model} is a config: give its CHECKPOINT too')
        searcher = TextImageSearcher(model, checkpoint, device=device)
        return searcher, f'{osp.basename(model)} + {checkpoint}'
    if checkpoint is not None:
        raise ValueError(f'{model!r} is a model zoo entry: it brings its '
                         'own weights, give no CHECKPOINT')
    # The entry's retriever config loads its towers when it is built.
    searcher = TextImageSearcher(zoo_config(name), device=device)
    return searcher, f'model zoo entry {name} (zero-shot)'
