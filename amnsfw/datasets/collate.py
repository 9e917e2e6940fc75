"""Batch person-search items that may carry an image, a caption or both."""
from typing import Any, Dict, List, Sequence

import torch

from amnsfw.registry import FUNCTIONS

#: Caption keys collated for the text side, besides person id and index.
TEXT_KEYS = ('text_ids', 'text_mask')
#: Optional caption keys (:class:`~amnsfw.datasets.transforms.
#: MaskCaptionTokens`), collated when the batch's captions carry them, and
#: where they go: the corrupted ids are inputs, the labels targets.
OPTIONAL_TEXT_KEYS = (('mlm_ids', 'inputs'), ('mlm_labels', 'data_samples'))


def _stack(items: Sequence[Dict[str, Any]], key: str) -> torch.Tensor:
    values = [item[key] for item in items]
    if isinstance(values[0], torch.Tensor):
        return torch.stack(values)
    return torch.as_tensor(values)


@FUNCTIONS.register_module()
def collate_person_search(items: List[Dict[str, Any]]) -> Dict[str, Dict]:
    """Collate items into ``dict(inputs=..., data_samples=...)``.

    Items with an image form the image side (``inputs['images']``, with
    ``data_samples['image_pids' / 'image_index']``), items with a caption the
    text side (``inputs['text_ids' / 'text_mask']``, ``data_samples[
    'text_pids' / 'text_index']``, plus ``inputs['mlm_ids']`` and
    ``data_samples['mlm_labels']`` when the captions carry them). Training
    pairs carry both, so the two sides are aligned row by row; an
    evaluation batch may mix gallery images and queries.
    ``data_samples['image_rows' / 'text_rows']`` give each side's positions
    in ``items``, so results can be returned in the sampler's order (which
    MMEngine's distributed result collection relies on).

    Args:
        items (list[dict]): Items from a :class:`PersonSearchDataset`.

    Returns:
        dict: ``inputs`` (tensors to encode) and ``data_samples``
        (person ids, indices and any other per-side metadata).
    """
    inputs: Dict[str, torch.Tensor] = {}
    samples: Dict[str, torch.Tensor] = {}
    images = [item for item in items if 'img' in item]
    texts = [item for item in items if 'text_ids' in item]
    if images:
        inputs['images'] = _stack(images, 'img')
        samples['image_pids'] = _stack(images, 'pid')
        samples['image_index'] = _stack(images, 'index')
        samples['image_rows'] = torch.tensor(
            [row for row, item in enumerate(items) if 'img' in item])
    if texts:
        for key in TEXT_KEYS:
            inputs[key] = _stack(texts, key)
        samples['text_pids'] = _stack(texts, 'pid')
        samples['text_index'] = _stack(texts, 'index')
        samples['text_rows'] = torch.tensor(
            [row for row, item in enumerate(items) if 'text_ids' in item])
        for key, side in OPTIONAL_TEXT_KEYS:
            having = sum(key in item for item in texts)
            if having == 0:
                continue
            if having != len(texts):
                raise ValueError(
                    f'{having} of the {len(texts)} captions of the batch '
                    f'have {key!r}; it must be all or none (run the same '
                    'text pipeline on every caption)')
            target = inputs if side == 'inputs' else samples
            target[key] = _stack(texts, key)
    return dict(inputs=inputs, data_samples=samples)
