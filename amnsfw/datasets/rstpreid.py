"""RSTPReid (``data_captions.json``)."""
from amnsfw.registry import DATASETS
from .cuhk_pedes import CUHKPEDES


@DATASETS.register_module()
class RSTPReid(CUHKPEDES):
    """RSTPReid in its native format (Zhu et al., ACM MM 2021).

    ``data_captions.json`` is a list of records with ``id`` (0-based person
    id), ``img_path`` (relative to ``imgs/``; CUHK-PEDES calls it
    ``file_path``), ``captions`` (two) and ``split`` (train/val/test).

    Args:
        data_root (str): The ``RSTPReid`` folder.
        ann_file (str, optional): None takes ``'data_captions.json'``.
            Defaults to None.
        **kwargs: See :class:`PersonSearchDataset`.
    """

    ANN_FILE = 'data_captions.json'
    IMAGE_FIELD = 'img_path'
    ID_BASE = 0
