"""ICFG-PEDES (``ICFG-PEDES.json``), with a validation split carved from
train by identity."""
import dataclasses
import random
from typing import Any, List, Optional, Sequence, Union

from amnsfw.registry import DATASETS
from .cuhk_pedes import CUHKPEDES
from .person_search_dataset import (TRAIN_SPLIT, AnnotationError,
                                    PersonRecord)

VAL_SPLIT = 'val'


def carve_val_identities(train_pids: Sequence[int], val_ids: Union[int,
                                                                   float],
                         seed: int) -> List[int]:
    """Choose the train identities that become the validation split.

    The choice depends only on the set of train ids, ``val_ids`` and
    ``seed`` (not on file order), so the train and val readers of one file
    carve the same identities.

    Args:
        train_pids (Sequence[int]): Person ids of the train split.
        val_ids (int | float): How many to carve: an int is a count, a float
            in ``(0, 1)`` a fraction of the train identities (rounded, at
            least one).
        seed (int): Seed of the choice.

    Returns:
        list[int]: The chosen ids, sorted.
    """
    pids = sorted(set(train_pids))
    if isinstance(val_ids, bool) or not isinstance(val_ids, (int, float)):
        raise TypeError(f'val_ids must be an int or a float, got {val_ids!r}')
    if isinstance(val_ids, float):
        if not 0.0 < val_ids < 1.0:
            raise ValueError(
                f'val_ids as a fraction must be in (0, 1), got {val_ids!r}')
        count = max(1, round(val_ids * len(pids)))
    else:
        count = val_ids
    if not 0 <= count < len(pids):
        raise ValueError(
            f'cannot carve {count} val identities from {len(pids)} train '
            f'identities (val_ids={val_ids!r}); at least one must stay in '
            'train')
    return sorted(random.Random(seed).sample(pids, count))


@DATASETS.register_module()
class ICFGPEDES(CUHKPEDES):
    """ICFG-PEDES in its native format (Ding et al., arXiv 2107.12666).

    ``ICFG-PEDES.json`` has the fields of CUHK-PEDES (``split``, ``id``,
    ``file_path``, ``captions``, ``processed_tokens``) with one caption per
    image, 0-based ids and only the splits train and test.

    The file has no validation split, so ``split='val'`` serves ``val_ids``
    train identities chosen with ``val_seed``, and ``split='train'`` serves
    the remaining ones: readers built with the same ``val_ids`` and
    ``val_seed`` never share an identity. The default, 10% of the train
    identities, carves 310 of the 3,102 real train identities (about 3.5k
    images), leaving 2,792 to train on. ``split='test'`` is the file's test
    split, untouched.

    Args:
        data_root (str): The ``ICFG-PEDES`` folder.
        ann_file (str, optional): None takes ``'ICFG-PEDES.json'``.
            Defaults to None.
        val_ids (int | float): Train identities carved into val: a count,
            or a fraction in ``(0, 1)`` of the train identities (rounded, at
            least one); 0 carves none. Defaults to 0.1.
        val_seed (int): Seed of the carve. Defaults to 0.
        **kwargs: See :class:`PersonSearchDataset`.
    """

    ANN_FILE = 'ICFG-PEDES.json'
    FILE_SPLITS = ('train', 'test')
    ID_BASE = 0

    def __init__(self,
                 data_root: str,
                 ann_file: Optional[str] = None,
                 val_ids: Union[int, float] = 0.1,
                 val_seed: int = 0,
                 **kwargs) -> None:
        # Set before super().__init__, which loads the file.
        self.val_ids = val_ids
        self.val_seed = val_seed
        super().__init__(data_root=data_root, ann_file=ann_file, **kwargs)

    def parse_records(self, raw: Any) -> List[PersonRecord]:
        records = super().parse_records(raw)
        train_pids = [r.pid for r in records if r.split == TRAIN_SPLIT]
        try:
            val_pids = set(
                carve_val_identities(train_pids, self.val_ids,
                                     self.val_seed))
        except ValueError as error:
            raise AnnotationError(f'{self.ann_file}: {error}') from error
        self._metainfo['val_pids'] = sorted(val_pids)
        return [
            dataclasses.replace(r, split=VAL_SPLIT)
            if r.split == TRAIN_SPLIT and r.pid in val_pids else r
            for r in records
        ]
