"""Text-to-image retrieval metric over a test split's images and captions."""
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

import torch
from mmengine.evaluator import BaseMetric
from torch import Tensor

from amnsfw.evaluation.functional import check_ranking_args, retrieval_metrics
from amnsfw.registry import METRICS

MODALITIES = ('image', 'text')


@METRICS.register_module()
class TextToImageRetrievalMetric(BaseMetric):
    """R@K, mAP and mINP of captions (queries) against images (gallery).

    The model's ``predict`` returns one dict per evaluated item::

        {'modality': 'image' | 'text',
         'index': int,   # position among the gallery images, resp. queries
         'pid': int,     # person id
         'feats': {'global': Tensor(D), ...}}

    ``compute_metrics`` requires each modality's indices to be exactly
    0..n-1, each once, which guarantees that every item counts once in
    distributed runs (MMEngine's ``collect_results`` already drops the
    sampler's padding). A caption's relevant images are all images of its
    person id; see :func:`amnsfw.evaluation.functional.retrieval_metrics`
    for the definitions and the pessimistic tie rule.

    Args:
        ks (Sequence[int]): Cut-offs K of R@K. Defaults to (1, 5, 10).
        chunk_size (int | str): Number of queries ranked at a time, which
            bounds memory to chunk_size x gallery size, or ``'auto'``: as
            many as fit ``memory_budget_mb`` (see
            :func:`~amnsfw.evaluation.functional.auto_chunk_size`).
            Defaults to ``'auto'``.
        memory_budget_mb (float): With ``chunk_size='auto'`` and features
            off a GPU, the MiB that one chunk's similarities and ranking
            buffers may take (on a GPU: half of its free memory). Defaults
            to 512.
        i2t (bool): Also report image-to-text metrics, prefixed ``i2t_``,
            where an image's relevant captions are all captions of its
            person id. Defaults to False.
        collect_device (str): Device for collecting results across ranks,
            'cpu' or 'gpu'. Defaults to 'cpu'.
        prefix (str, optional): Prefix of the metric names, as
            ``'{prefix}/R1'``. Defaults to None (``'retrieval/R1'``).
    """

    default_prefix = 'retrieval'

    def __init__(self,
                 ks: Sequence[int] = (1, 5, 10),
                 chunk_size: Union[int, str] = 'auto',
                 memory_budget_mb: float = 512.,
                 i2t: bool = False,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.ks = check_ranking_args(ks, chunk_size)
        if not memory_budget_mb > 0:
            raise ValueError(f'memory_budget_mb must be positive, got '
                             f'{memory_budget_mb!r}')
        self.chunk_size = chunk_size
        self.memory_budget_mb = memory_budget_mb
        self.i2t = i2t

    def process(self, data_batch: Any, data_samples: Sequence[dict]) -> None:
        """Store a CPU copy of each item's modality, index, pid and features.

        Args:
            data_batch (Any): The batch from the dataloader (unused).
            data_samples (Sequence[dict]): The model's predictions, one dict
                per item, as described in the class docstring.
        """
        for sample in data_samples:
            missing = {'modality', 'index', 'pid', 'feats'} - set(sample)
            if missing:
                raise KeyError(f'a prediction lacks keys {sorted(missing)}; '
                               f'it has {sorted(sample)}')
            if sample['modality'] not in MODALITIES:
                raise ValueError(f'modality must be one of {MODALITIES}, got '
                                 f"{sample['modality']!r}")
            self.results.append({
                'modality': sample['modality'],
                'index': int(sample['index']),
                'pid': int(sample['pid']),
                'feats': {
                    name: value.detach().cpu()
                    for name, value in sample['feats'].items()
                },
            })

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        """Rank all captions against all images (and, optionally, back).

        Args:
            results (List[dict]): The stored items of all ranks.

        Returns:
            Dict[str, float]: ``'R{K}'``, ``'mAP'``, ``'mINP'`` in percent,
            plus ``'i2t_R{K}'``, ``'i2t_mAP'``, ``'i2t_mINP'`` if ``i2t``.
        """
        image_feats, image_pids = self._ordered(results, 'image')
        text_feats, text_pids = self._ordered(results, 'text')
        metrics = retrieval_metrics(text_feats, image_feats, text_pids,
                                    image_pids, self.ks, self.chunk_size,
                                    self.memory_budget_mb)
        if self.i2t:
            i2t = retrieval_metrics(image_feats, text_feats, image_pids,
                                    text_pids, self.ks, self.chunk_size,
                                    self.memory_budget_mb)
            metrics.update(
                {f'i2t_{name}': value
                 for name, value in i2t.items()})
        return metrics

    @staticmethod
    def _ordered(results: List[dict],
                 modality: str) -> Tuple[Dict[str, Tensor], Tensor]:
        """Stack one modality's features and pids in index order."""
        by_index: Dict[int, dict] = {}
        for item in results:
            if item['modality'] != modality:
                continue
            if item['index'] in by_index:
                raise ValueError(f"{modality} index {item['index']} appears "
                                 'more than once; each item must be '
                                 'evaluated exactly once')
            by_index[item['index']] = item
        if not by_index:
            raise ValueError(f'there are no {modality} items to evaluate')
        count = len(by_index)
        missing = [i for i in range(count) if i not in by_index]
        if missing:
            extra = sorted(set(by_index) - set(range(count)))
            raise ValueError(
                f'{modality} indices must be 0..{count - 1}, each once, for '
                f'{count} {modality} items; missing {missing[:10]}, '
                f'unexpected {extra[:10]}')
        ordered = [by_index[i] for i in range(count)]
        names = ordered[0]['feats'].keys()
        for item in ordered:
            if item['feats'].keys() != names:
                raise ValueError(
                    f"{modality} index {item['index']} has embeddings "
                    f"{sorted(item['feats'])}, index 0 has {sorted(names)}")
        feats = {
            name: torch.stack([item['feats'][name] for item in ordered])
            for name in names
        }
        pids = torch.tensor([item['pid'] for item in ordered])
        return feats, pids
