"""Index a gallery of person images and rank it by caption."""
import os
import sys
from functools import cached_property
from typing import Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
import torch
from mmengine.config import Config
from mmengine.utils import ProgressBar
from PIL import Image

from amnsfw.datasets.person_search_dataset import build_pipeline
from .gallery_index import GalleryIndex
from .init_model import init_model
from .model_fingerprint import model_fingerprint

#: A gallery image: a file path, or an image already in memory.
GalleryImage = Union[str, os.PathLike, Image.Image]


class TextImageSearcher:
    """A trained retriever that ranks a gallery of images by caption.

    Images go through the config's test image pipeline
    (``test_dataloader.dataset.image_pipeline``), captions through the
    model's tokenizer, both through the model's data preprocessor; the
    score of a query and an image is the evaluation metric's
    :func:`~amnsfw.evaluation.functional.ranking_metrics.similarity`: the
    cosine similarity, averaged over the model's named embeddings (the
    global one and each embedding head's, e.g. RDE's ``'tse'``). The
    gallery lives in a FAISS index (:class:`~amnsfw.apis.gallery_index.
    GalleryIndex`) whose inner product is that similarity: exact by
    default, approximate with ``index_kind='ivf'`` or ``'hnsw'``; it can be
    grown (:meth:`add`), saved (:meth:`save_index`) and loaded again
    (:meth:`load_index`) by the same model only.

    Example::

        searcher = TextImageSearcher('configs/itc/itc_tinyclip_8e_'
                                     'synthpedes.py', 'work_dirs/best.pth')
        searcher.index(['a.jpg', 'b.jpg'])
        searcher.search(['a woman in a red skirt'], k=1)
        # [[(1, 0.83)]]: per query, (gallery index, score), best first

    Args:
        config (str | Config): Experiment config, or its path.
        checkpoint (str, optional): Checkpoint of a model built from
            ``config`` (a runner checkpoint, or any file with a
            ``state_dict``); None keeps the weights the config's model is
            built with (e.g. a model zoo entry's pretrained towers).
            Defaults to None.
        device (str): Device the model runs on. Defaults to ``'cpu'``.
        index_kind (str): ``'flat'``, ``'ivf'`` or ``'hnsw'``
            (:class:`~amnsfw.apis.gallery_index.GalleryIndex`). Defaults to
            ``'flat'``.
    """

    def __init__(self, config: Union[str, Config],
                 checkpoint: Optional[str] = None, device: str = 'cpu',
                 index_kind: str = 'flat') -> None:
        cfg = config if isinstance(config, Config) else Config.fromfile(config)
        self.cfg = cfg
        self.model = init_model(cfg, checkpoint, device)
        transforms = list(cfg.test_dataloader.dataset.image_pipeline)
        self.load_pipeline = build_pipeline(transforms)
        # Images in memory skip the leading transforms that read a file.
        num_loaders = next(
            (i for i, t in enumerate(transforms)
             if not str(t['type']).split('.')[-1].startswith('Load')),
            len(transforms))
        self.memory_pipeline = build_pipeline(transforms[num_loaders:])
        self.index_kind = index_kind
        self._transforms = transforms
        #: The indexed gallery; None until :meth:`index` or
        #: :meth:`load_index`.
        self.gallery_index: Optional[GalleryIndex] = None

    @cached_property
    def fingerprint(self) -> str:
        """Identifies the weights and image preprocessing that embed the
        gallery (:func:`~amnsfw.apis.model_fingerprint.model_fingerprint`),
        hashed on first use."""
        return model_fingerprint(self.model, self._transforms)

    def index(self, images_or_paths: Sequence[GalleryImage],
              batch_size: int = 64,
              progress: bool = True) -> Dict[str, torch.Tensor]:
        """Encode a gallery into a new index, replacing any earlier one.

        Args:
            images_or_paths (Sequence[str | os.PathLike | PIL.Image.Image]):
                The gallery: image files, or RGB images in memory.
            batch_size (int): Images encoded at a time. Defaults to 64.
            progress (bool): Show a progress bar on stderr. Defaults to
                True.

        Returns:
            Dict[str, torch.Tensor]: ``(G, D)`` features by embedding name
            (``'global'`` and each embedding head's), in gallery order.

        Raises:
            ValueError: If the gallery is empty.
            ImageLoadError: If an image file is missing or unreadable.
        """
        features = self._encode_gallery(images_or_paths, batch_size,
                                        progress, first_index=0)
        self.gallery_index = GalleryIndex(GalleryIndex.dims_of(features),
                                          self.fingerprint, self.index_kind)
        self.gallery_index.add(features)
        return features

    def add(self, images_or_paths: Sequence[GalleryImage],
            batch_size: int = 64,
            progress: bool = True) -> Dict[str, torch.Tensor]:
        """Encode more gallery images and append them to the index; they
        take the next gallery indices. Without an index yet, as
        :meth:`index`.

        Args and returns as :meth:`index`.
        """
        if self.gallery_index is None:
            return self.index(images_or_paths, batch_size, progress)
        features = self._encode_gallery(images_or_paths, batch_size,
                                        progress,
                                        len(self.gallery_index))
        self.gallery_index.add(features)
        return features

    def save_index(self, directory: str) -> None:
        """Write the gallery index, with this model's fingerprint."""
        if self.gallery_index is None:
            raise RuntimeError('no gallery yet: call index() before '
                               'save_index()')
        self.gallery_index.save(directory)

    def load_index(self, directory: str) -> GalleryIndex:
        """Load a gallery index saved by this same model.

        Raises:
            FileNotFoundError: If ``directory`` holds no saved index.
            StaleIndexError: If another model (other weights or image
                preprocessing) built it.
        """
        self.gallery_index = GalleryIndex.load(directory, self.fingerprint)
        return self.gallery_index

    def _encode_gallery(self, images_or_paths: Sequence[GalleryImage],
                        batch_size: int, progress: bool,
                        first_index: int) -> Dict[str, torch.Tensor]:
        """Features of gallery images, encoded in batches; the first image
        takes gallery index ``first_index``."""
        images = list(images_or_paths)
        if not images:
            raise ValueError('the gallery to index is empty: give at least '
                             'one image')
        bar = ProgressBar(len(images), file=sys.stderr) if progress else None
        chunks = []
        for start in range(0, len(images), batch_size):
            batch = images[start:start + batch_size]
            pixels = torch.stack([
                self._prepare(image, first_index + start + number)
                for number, image in enumerate(batch)
            ])
            chunks.append(self._encode(dict(images=pixels), 'image'))
            if bar is not None:
                bar.update(len(batch))
        if bar is not None:
            sys.stderr.write('\n')
        return {name: torch.cat([chunk[name] for chunk in chunks])
                for name in chunks[0]}

    def encode_queries(self, texts: Sequence[str],
                       batch_size: int = 256) -> Dict[str, torch.Tensor]:
        """Encode captions as queries.

        Args:
            texts (Sequence[str]): The captions.
            batch_size (int): Captions encoded at a time. Defaults to 256.

        Returns:
            Dict[str, torch.Tensor]: ``(Q, D)`` features by embedding name,
            on the CPU.
        """
        texts = list(texts)
        if not texts:
            raise ValueError('there are no queries: give at least one text')
        chunks = []
        for start in range(0, len(texts), batch_size):
            tokens = [self.model.tokenizer(text)
                      for text in texts[start:start + batch_size]]
            chunks.append(self._encode(dict(
                text_ids=torch.stack([t['input_ids'] for t in tokens]),
                text_mask=torch.stack([t['attention_mask'] for t in tokens])),
                'text'))
        return {name: torch.cat([chunk[name] for chunk in chunks])
                for name in chunks[0]}

    def search(self, texts: Sequence[str],
               k: int = 10) -> List[List[Tuple[int, float]]]:
        """Rank the indexed gallery for each caption.

        Args:
            texts (Sequence[str]): The query captions.
            k (int): Hits per query, at most the gallery size. Defaults to
                10.

        Returns:
            List[List[Tuple[int, float]]]: Per query, its top ``k``
            ``(gallery index, score)`` pairs, by descending score.

        Raises:
            RuntimeError: If no gallery is indexed yet.
            ValueError: If ``k`` is not in ``[1, gallery size]``.
        """
        if self.gallery_index is None:
            raise RuntimeError('no gallery yet: call index() before search()')
        if isinstance(k, bool) or not isinstance(k, int) or k < 1:
            raise ValueError(f'k must be a positive integer, got {k!r}')
        if k > len(self.gallery_index):
            raise ValueError(f'k={k} is larger than the gallery '
                             f'({len(self.gallery_index)} images)')
        scores, positions = self.gallery_index.search(
            self.encode_queries(texts), k)
        return [list(zip(indices, values)) for indices, values in
                zip(positions.tolist(), scores.tolist())]

    def _prepare(self, image: GalleryImage, index: int) -> torch.Tensor:
        """One gallery image through the test image pipeline."""
        if isinstance(image, Image.Image):
            # The pipeline expects mmcv's BGR arrays.
            array = np.asarray(image.convert('RGB'))[..., ::-1].copy()
            item = dict(img=array, img_shape=array.shape[:2],
                        ori_shape=array.shape[:2], index=index)
            return self.memory_pipeline(item)['img']
        if not isinstance(image, (str, os.PathLike)):
            raise TypeError(f'gallery item {index} must be a path or a PIL '
                            f'image, got {type(image).__name__}')
        return self.load_pipeline(dict(img_path=os.fspath(image),
                                       index=index))['img']

    @torch.no_grad()
    def _encode(self, inputs: Dict[str, torch.Tensor],
                modality: str) -> Dict[str, torch.Tensor]:
        """Named features of one batch of images or captions."""
        data = self.model.data_preprocessor(dict(inputs=inputs), False)
        features = self.model.extract_feat(data['inputs'])
        named = self.model.named_embeddings(features, modality)
        return {name: value.float().cpu() for name, value in named.items()}
