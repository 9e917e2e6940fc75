"""Base class of the text-to-image person search data sets.

A data set reads one native annotation file into :class:`PersonRecord` s
(one per image, with its captions), then serves either

* ``split='train'``: one item per (image, caption) pair, in file order with
  captions in list order, person ids remapped to ``0..C-1``; or
* any other split: the evaluation form of METHOD.md section 1: first every
  image of the split (the gallery), then every caption (the queries), each
  with its raw person id and its index within the gallery or the queries.

Subclasses only parse their file format (:meth:`parse_records`).
"""
import os.path as osp
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Sequence

from mmengine.dataset import BaseDataset, Compose
from mmengine.fileio import load

from amnsfw.registry import TRANSFORMS

TRAIN_SPLIT = 'train'


@dataclass(frozen=True)
class PersonRecord:
    """One annotated image.

    Args:
        split (str): The split it belongs to.
        pid (int): Person id as written in the file.
        img_path (str): Image path relative to the image folder.
        captions (tuple[str, ...]): Its captions, in file order.
    """

    split: str
    pid: int
    img_path: str
    captions: tuple


class AnnotationError(ValueError):
    """An annotation file or one of its records is malformed."""


class PersonSearchDataset(BaseDataset):
    """Pairs for training, gallery + queries for evaluation.

    Args:
        data_root (str): Folder of the data set (``<root>/<Name>``).
        ann_file (str): Annotation file, relative to ``data_root``.
        split (str): Which split to serve. Defaults to ``'train'``.
        image_pipeline (Sequence[dict]): Transforms for items with an image
            (``img_path`` in, ``img`` out). Defaults to none.
        text_pipeline (Sequence[dict]): Transforms for items with a caption
            (``caption`` in, ``text_ids`` / ``text_mask`` out). Defaults to
            none.
        data_prefix (dict): ``img_path``: image folder relative to
            ``data_root``. Defaults to ``dict(img_path='imgs')``.
        **kwargs: Other :class:`mmengine.dataset.BaseDataset` arguments.
    """

    #: Splits the format may contain.
    SPLITS: Sequence[str] = ('train', 'val', 'test')

    def __init__(self,
                 data_root: str,
                 ann_file: str,
                 split: str = TRAIN_SPLIT,
                 image_pipeline: Sequence[dict] = (),
                 text_pipeline: Sequence[dict] = (),
                 data_prefix: Optional[dict] = None,
                 **kwargs) -> None:
        if split not in self.SPLITS:
            raise ValueError(f'{type(self).__name__} has splits '
                             f'{list(self.SPLITS)}, got split={split!r}')
        self.split = split
        # Built with amnsfw's registry so its names win outside a runner too.
        self.image_pipeline = Compose(
            [TRANSFORMS.build(t) for t in image_pipeline])
        self.text_pipeline = Compose([TRANSFORMS.build(t) for t in text_pipeline])
        super().__init__(
            ann_file=ann_file,
            data_root=data_root,
            data_prefix=data_prefix or dict(img_path='imgs'),
            test_mode=split != TRAIN_SPLIT,
            **kwargs)

    def parse_records(self, raw: Any) -> List[PersonRecord]:
        """Turn the loaded annotation file into records (all splits).

        Args:
            raw (Any): The file's content, as ``mmengine.load`` returns it.

        Returns:
            list[PersonRecord]: One per annotated image, in file order.
        """
        raise NotImplementedError

    def load_data_list(self) -> List[dict]:
        if not osp.isfile(self.ann_file):
            raise FileNotFoundError(
                f'annotation file not found: {self.ann_file}')
        try:
            raw = load(self.ann_file)
        except ValueError as error:
            raise AnnotationError(
                f'{self.ann_file} is not valid JSON: {error}') from error
        records = [r for r in self.parse_records(raw) if r.split == self.split]
        if not records:
            raise AnnotationError(
                f'{self.ann_file} has no records in split {self.split!r}')
        image_dir = self.data_prefix['img_path']
        if self.split == TRAIN_SPLIT:
            return self._pairs(records, image_dir)
        return self._gallery_and_queries(records, image_dir)

    def _pairs(self, records: List[PersonRecord], image_dir: str) -> List[dict]:
        labels = {pid: label for label, pid in
                  enumerate(sorted({r.pid for r in records}))}
        self._metainfo['num_classes'] = len(labels)
        pairs = []
        for image_index, record in enumerate(records):
            for caption in record.captions:
                pairs.append(dict(
                    img_path=osp.join(image_dir, record.img_path),
                    caption=caption,
                    pid=labels[record.pid],
                    image_index=image_index,
                    index=len(pairs)))
        return pairs

    def _gallery_and_queries(self, records: List[PersonRecord],
                             image_dir: str) -> List[dict]:
        gallery = [
            dict(img_path=osp.join(image_dir, r.img_path), pid=r.pid,
                 index=i) for i, r in enumerate(records)
        ]
        captions = [(r.pid, c) for r in records for c in r.captions]
        queries = [
            dict(caption=caption, pid=pid, index=i)
            for i, (pid, caption) in enumerate(captions)
        ]
        self._metainfo.update(num_gallery=len(gallery),
                              num_queries=len(queries))
        return gallery + queries

    def prepare_data(self, idx: int) -> Dict[str, Any]:
        """Run the image and/or text pipeline on item ``idx``."""
        item = self.get_data_info(idx)
        if 'img_path' in item:
            item = self.image_pipeline(item)
        if 'caption' in item:
            item = self.text_pipeline(item)
        return item
