"""Index a gallery of person images and rank it by caption."""
import os
import os.path as osp
import sys
from typing import Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
import torch
from mmengine.config import Config
from mmengine.utils import ProgressBar
from PIL import Image

from amnsfw.datasets.person_search_dataset import build_pipeline
from amnsfw.evaluation.functional.ranking_metrics import similarity
from .init_model import init_model

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
    global one and each embedding head's, e.g. RDE's ``'tse'``).

    Example::

        searcher = TextImageSearcher('configs/itc/itc_tinyclip_8e_'
                                     'synthpedes.py', 'work_dirs/best.pth')
        searcher.index(['a.jpg', 'b.jpg'])
        searcher.search(['a woman in a red skirt'], k=1)
        # [[(1, 0.83)]]: per query, (gallery index, score), best first

    Args:
        config (str | Config): Experiment config, or its path.
        checkpoint (str): Checkpoint of a model built from ``config`` (a
            runner checkpoint, or any file with a ``state_dict``).
        device (str): Device the model runs on. Defaults to ``'cpu'``.
    """

    def __init__(self, config: Union[str, Config], checkpoint: str,
                 device: str = 'cpu') -> None:
        if not osp.isfile(checkpoint):
            raise FileNotFoundError(f'checkpoint file not found: {checkpoint}')
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
        #: Features of the indexed gallery, by embedding name, on the CPU.
        self.gallery: Optional[Dict[str, torch.Tensor]] = None

    def index(self, images_or_paths: Sequence[GalleryImage],
              batch_size: int = 64,
              progress: bool = True) -> Dict[str, torch.Tensor]:
        """Encode a gallery and keep it for :meth:`search`.

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
        images = list(images_or_paths)
        if not images:
            raise ValueError('the gallery to index is empty: give at least '
                             'one image')
        bar = ProgressBar(len(images), file=sys.stderr) if progress else None
        chunks = []
        for start in range(0, len(images), batch_size):
            batch = images[start:start + batch_size]
            pixels = torch.stack([
                self._prepare(image, start + offset)
                for offset, image in enumerate(batch)
            ])
            chunks.append(self._encode(dict(images=pixels), 'image'))
            if bar is not None:
                bar.update(len(batch))
        if bar is not None:
            sys.stderr.write('\n')
        self.gallery = {name: torch.cat([chunk[name] for chunk in chunks])
                        for name in chunks[0]}
        return self.gallery

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
            k (int): Hits per query (all images if the gallery is smaller).
                Defaults to 10.

        Returns:
            List[List[Tuple[int, float]]]: Per query, its top ``k``
            ``(gallery index, score)`` pairs, by descending score.
        """
        if self.gallery is None:
            raise RuntimeError('no gallery yet: call index() before search()')
        if isinstance(k, bool) or not isinstance(k, int) or k < 1:
            raise ValueError(f'k must be a positive integer, got {k!r}')
        scores = similarity(self.encode_queries(texts), self.gallery)
        top = scores.topk(min(k, scores.shape[1]), dim=1)
        return [list(zip(indices, values)) for indices, values in
                zip(top.indices.tolist(), top.values.tolist())]

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
