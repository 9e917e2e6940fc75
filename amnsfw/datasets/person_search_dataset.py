"""Base class of the text-to-image person search data sets.

A data set reads one native annotation file into :class:`PersonRecord` s
(one per image, with its captions), then serves either

* ``split='train'``: one item per (image, caption) pair, in file order with
  captions in list order, person ids remapped to ``0..C-1``, optionally with
  noisy correspondence injected (METHOD.md section 3); or
* any other split: the evaluation form of METHOD.md section 1: first every
  image of the split (the gallery), then every caption (the queries), each
  with its raw person id and its index within the gallery or the queries.

Subclasses only parse their file format (:meth:`parse_records`).
"""
import logging
import os.path as osp
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Sequence

import numpy as np
from mmengine.dataset import BaseDataset, Compose
from mmengine.fileio import load
from mmengine.logging import print_log

from amnsfw.errors import InputError
from amnsfw.registry import TRANSFORMS
from .noisy_correspondence import (load_noise_index, make_noise_index,
                                   noisy_mask, num_noisy, save_noise_index)
from .transforms.load_person_image import ImageLoadError
from .worker_progress import WorkerProgress

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


def build_pipeline(transforms: Sequence[dict]) -> Compose:
    """Build a data set's image or text pipeline from its config.

    Built with amnsfw's registry, so its names win outside a runner too
    (the search API builds a config's test image pipeline with it).

    Args:
        transforms (Sequence[dict]): Transform configs, in order.

    Returns:
        Compose: The transforms chained.
    """
    return Compose([TRANSFORMS.build(t) for t in transforms])


class AnnotationError(InputError, ValueError):
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
        noise_rate (float): Train split only: fraction of pairs, in
            ``[0, 1)``, that receive another pair's caption (RDE's protocol,
            :mod:`amnsfw.datasets.noisy_correspondence`). Defaults to 0.0.
        noise_seed (int): Train split only: seed of the noise index when it
            is generated. Defaults to 0.
        noise_file (str, optional): Train split only: RDE noise-index file
            (``.npy``). If it exists it is loaded (it must match the number
            of pairs, and ``noise_rate`` to within 1% of the pairs, since
            RDE's own files leave a few pairs of the subset clean); if not,
            the index is generated from ``noise_rate`` / ``noise_seed`` and
            saved there. If None, it is generated in memory. Defaults to
            None.
        clean_pairs_only (bool): Train split only: after the noise is
            injected, keep only the pairs it left clean (renumbered
            ``0..M-1``). This is RDE's "CLIP-C" oracle, an upper bound that
            needs to know which pairs are noisy, not a method; the number
            of pairs kept is logged. Defaults to False.
        skip_broken_images (bool): Train split only: when an item's image
            cannot be loaded (:class:`~amnsfw.datasets.transforms.
            ImageLoadError`), log a warning and serve another item instead
            (MMEngine's refetch, at most ``max_refetch`` times) rather than
            raise. Evaluation splits never skip. Defaults to False.
        **kwargs: Other :class:`mmengine.dataset.BaseDataset` arguments.
    """

    #: Splits the format may contain.
    SPLITS: Sequence[str] = ('train', 'val', 'test')

    #: Train split: the noise index (pair ``i`` got caption
    #: ``noise_index[i]``) and which pairs are noisy, indexed by the pairs'
    #: ``index``. For evaluation and reports only: never put into items.
    noise_index: Optional[np.ndarray] = None
    noisy_pairs: Optional[np.ndarray] = None

    def __init__(self,
                 data_root: str,
                 ann_file: str,
                 split: str = TRAIN_SPLIT,
                 image_pipeline: Sequence[dict] = (),
                 text_pipeline: Sequence[dict] = (),
                 data_prefix: Optional[dict] = None,
                 noise_rate: float = 0.0,
                 noise_seed: int = 0,
                 noise_file: Optional[str] = None,
                 clean_pairs_only: bool = False,
                 skip_broken_images: bool = False,
                 **kwargs) -> None:
        if split not in self.SPLITS:
            raise ValueError(f'{type(self).__name__} has splits '
                             f'{list(self.SPLITS)}, got split={split!r}')
        if split != TRAIN_SPLIT and (noise_rate != 0.0 or noise_seed != 0
                                     or noise_file is not None):
            raise ValueError(
                f'noisy correspondence is for the train split only; got '
                f'split={split!r} with noise_rate={noise_rate!r}, '
                f'noise_seed={noise_seed!r}, noise_file={noise_file!r}')
        if split != TRAIN_SPLIT and clean_pairs_only:
            raise ValueError(
                'clean_pairs_only is for the train split only; got '
                f'split={split!r} with clean_pairs_only=True')
        if split != TRAIN_SPLIT and skip_broken_images:
            raise ValueError(
                'skip_broken_images is for the train split only (an '
                'evaluation split must score every image); got '
                f'split={split!r} with skip_broken_images=True')
        num_noisy(0, noise_rate)  # validates the rate before any loading
        self.split = split
        self.noise_rate = noise_rate
        self.noise_seed = noise_seed
        self.noise_file = noise_file
        self.clean_pairs_only = clean_pairs_only
        self.skip_broken_images = skip_broken_images
        #: Images skipped so far by this process (each loader worker counts
        #: its own).
        self.num_skipped_images = 0
        #: The sample each loader worker is preparing, so that a worker
        #: killed by a signal can be reported with its sample.
        self.worker_progress = WorkerProgress(self.describe_sample)
        self.image_pipeline = build_pipeline(image_pipeline)
        self.text_pipeline = build_pipeline(text_pipeline)
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

    def load_records(self) -> List[PersonRecord]:
        """Read and parse the annotation file: every record, all splits."""
        if not osp.isfile(self.ann_file):
            raise FileNotFoundError(
                f'annotation file not found: {self.ann_file}')
        try:
            raw = load(self.ann_file)
        except ValueError as error:
            raise AnnotationError(
                f'{self.ann_file} is not valid JSON: {error}') from error
        return self.parse_records(raw)

    def load_data_list(self) -> List[dict]:
        records = [r for r in self.load_records() if r.split == self.split]
        if not records:
            raise AnnotationError(
                f'{self.ann_file} has no records in split {self.split!r}')
        image_dir = self.data_prefix['img_path']
        if self.split == TRAIN_SPLIT:
            return self._pairs(records, image_dir)
        return self._gallery_and_queries(records, image_dir)

    def _pairs(self, records: List[PersonRecord],
               image_dir: str) -> List[dict]:
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
        self._inject_noise(pairs)
        if self.clean_pairs_only:
            return self._keep_clean_pairs(pairs)
        return pairs

    def _keep_clean_pairs(self, pairs: List[dict]) -> List[dict]:
        """The pairs the noise left clean, renumbered in order; the noise
        flags shrink with them (all clean)."""
        keep = np.flatnonzero(~self.noisy_pairs)
        kept = [dict(pairs[i], index=new) for new, i in enumerate(keep)]
        print_log(
            f'{self.ann_file}: clean_pairs_only keeps the {len(kept)} clean '
            f'pairs of {len(pairs)} (noise rate {self.noise_rate})',
            logger='current')
        self.noise_index = np.arange(len(kept), dtype=np.int64)
        self.noisy_pairs = np.zeros(len(kept), dtype=bool)
        self._metainfo.update(num_noisy_pairs=0, num_dropped_noisy_pairs=int(
            len(pairs) - len(kept)))
        return kept

    def _inject_noise(self, pairs: List[dict]) -> None:
        """Pair ``i`` keeps its image, pid and index but gets the caption of
        pair ``idx[i]``; the flags stay on the data set, not in the items."""
        num_pairs = len(pairs)
        if self.noise_file is not None and osp.isfile(self.noise_file):
            idx = load_noise_index(self.noise_file, num_pairs)
            expected = num_noisy(num_pairs, self.noise_rate)
            found = int(noisy_mask(idx).sum())
            if abs(found - expected) > 0.01 * num_pairs:
                raise ValueError(
                    f'{self.noise_file}: has {found} noisy pairs of '
                    f'{num_pairs}, but noise_rate={self.noise_rate} gives '
                    f'{expected}; set noise_rate to the rate the file was '
                    'made for')
        else:
            idx = make_noise_index(num_pairs, self.noise_rate,
                                   self.noise_seed)
            if self.noise_file is not None:
                save_noise_index(self.noise_file, idx)
        captions = [pair['caption'] for pair in pairs]
        for pair, source in zip(pairs, idx):
            pair['caption'] = captions[source]
        self.noise_index = idx
        self.noisy_pairs = noisy_mask(idx)
        self._metainfo.update(noise_rate=self.noise_rate,
                              num_noisy_pairs=int(self.noisy_pairs.sum()))

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

    def prepare_data(self, idx: int) -> Optional[Dict[str, Any]]:
        """Run the image and/or text pipeline on item ``idx``.

        Returns None (MMEngine's ``__getitem__`` then serves another item)
        for a train item whose image cannot be loaded when
        ``skip_broken_images`` is set; raises otherwise.
        """
        self.worker_progress.start(idx)
        try:
            return self._prepare(idx)
        finally:
            self.worker_progress.finish()

    def describe_sample(self, idx: int) -> str:
        """Item ``idx`` for a message: its index, file and split, and
        its image or caption."""
        item = self.get_data_info(idx)
        what = item.get('img_path') or repr(item.get('caption', ''))[:60]
        return (f'sample {idx} of {self.ann_file} (split {self.split}): '
                f'{what}')

    def _prepare(self, idx: int) -> Optional[Dict[str, Any]]:
        item = self.get_data_info(idx)
        if 'img_path' in item:
            try:
                item = self.image_pipeline(item)
            except ImageLoadError as error:
                if not (self.skip_broken_images
                        and self.split == TRAIN_SPLIT):
                    raise
                self.num_skipped_images += 1
                print_log(
                    f'skipping a broken training image ({error}); '
                    f'{self.num_skipped_images} skipped so far in this '
                    'process',
                    logger='current', level=logging.WARNING)
                return None
        if 'caption' in item:
            item = self.text_pipeline(item)
        return item
