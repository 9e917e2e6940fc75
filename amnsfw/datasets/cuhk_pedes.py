"""CUHK-PEDES (``reid_raw.json``); SynthPEDES is read by the same class."""
from typing import Any, List, Optional, Sequence

from amnsfw.registry import DATASETS
from .person_search_dataset import (AnnotationError, PersonRecord,
                                    PersonSearchDataset)


@DATASETS.register_module()
class CUHKPEDES(PersonSearchDataset):
    """CUHK-PEDES in its native format (Li et al., CVPR 2017).

    ``reid_raw.json`` is a list of records with ``split`` (train/val/test),
    ``id`` (1-based person id), ``file_path`` (relative to ``imgs/``) and
    ``captions`` (a list, usually of two); ``processed_tokens`` is ignored.

    The readers of the other formats (ICFG-PEDES, RSTPReid) subclass it and
    override only the class attributes below that differ.

    Args:
        data_root (str): The ``CUHK-PEDES`` folder.
        ann_file (str, optional): Annotation file relative to ``data_root``;
            None takes :attr:`ANN_FILE` (``'reid_raw.json'``).
            Defaults to None.
        **kwargs: See :class:`PersonSearchDataset`.
    """

    #: Default annotation file.
    ANN_FILE = 'reid_raw.json'
    #: Record field holding the image path.
    IMAGE_FIELD = 'file_path'
    #: Splits a record of the file may have; None means :attr:`SPLITS`.
    FILE_SPLITS: Optional[Sequence[str]] = None
    #: Smallest valid person id (1 for 1-based ids, 0 for 0-based ones).
    ID_BASE = 1

    def __init__(self, data_root: str, ann_file: Optional[str] = None,
                 **kwargs) -> None:
        super().__init__(
            data_root=data_root, ann_file=ann_file or self.ANN_FILE, **kwargs)

    @property
    def file_splits(self) -> Sequence[str]:
        """Splits a record of the file may have."""
        return self.SPLITS if self.FILE_SPLITS is None else self.FILE_SPLITS

    def parse_records(self, raw: Any) -> List[PersonRecord]:
        if not isinstance(raw, list):
            raise AnnotationError(
                f'{self.ann_file}: expected a JSON list of records, got '
                f'{type(raw).__name__}')
        return [self._parse_record(i, r) for i, r in enumerate(raw)]

    def _parse_record(self, index: int, record: Any) -> PersonRecord:
        where = f'{self.ann_file}, record {index}'
        # The record's id, when it has one, ends every message: the index
        # finds the record in the file, the id finds the person.
        of_id = (f' (record id {record["id"]!r})'
                 if isinstance(record, dict) and 'id' in record else '')

        def error(problem: str) -> AnnotationError:
            return AnnotationError(f'{where}: {problem}{of_id}')

        if not isinstance(record, dict):
            raise error(f'expected an object, got {type(record).__name__}')
        for key in ('split', 'id', self.IMAGE_FIELD, 'captions'):
            if key not in record:
                raise error(f'missing field {key!r}')
        if record['split'] not in self.file_splits:
            raise error(f"unknown split {record['split']!r} (expected one "
                        f'of {list(self.file_splits)})')
        pid = record['id']
        if not isinstance(pid, int) or isinstance(pid, bool):
            raise error(f'id must be an integer, got {pid!r}')
        if pid < self.ID_BASE:
            raise error(
                f'id must be >= {self.ID_BASE} ({self.ID_BASE}-based ids in '
                f'{type(self).__name__}), got {pid!r}')
        path = record[self.IMAGE_FIELD]
        if not isinstance(path, str) or not path:
            raise error(f'{self.IMAGE_FIELD} must be a non-empty string, got '
                        f'{path!r}')
        captions = record['captions']
        if not isinstance(captions, list) or not captions:
            raise error('captions must be a non-empty list of non-empty '
                        f'strings, got {captions!r}')
        for number, caption in enumerate(captions):
            # Any unicode text is kept as it is; the tokenizers handle it.
            if not isinstance(caption, str):
                raise error(f'captions[{number}] must be a string, got '
                            f'{type(caption).__name__}: {caption!r}')
            if not caption.strip():
                raise error(f'captions[{number}] is empty or whitespace '
                            f'only: {caption!r}')
        return PersonRecord(record['split'], pid, path, tuple(captions))
