"""Score a model's fit of its own training pairs.

Shared by :class:`~amnsfw.engine.MemorisationHook` (how many noisy pairs a
run has memorised, per epoch) and :mod:`amnsfw.analysis.noisy_pairs` (which
pairs look mislabelled): both read the train split in order, without
augmentation, embed every pair with the model, and rank each caption's own
image among all training images. The per-pair losses of the loss heads
(:func:`pair_loss_heads`, :func:`per_pair_losses`, :func:`pair_loss_table`)
are shared with the RDE plugin's consensus division.
"""
import sys
from typing import Dict, Iterable, Iterator, List, Sequence, Tuple

import numpy as np
import torch
from mmengine.config import Config
from mmengine.utils import ProgressBar
from torch.utils.data import DataLoader

from amnsfw.contracts import PerPairLoss
from amnsfw.datasets import PersonSearchDataset, collate_person_search
from amnsfw.evaluation.functional.ranking_metrics import (auto_chunk_size,
                                                          similarity)
from amnsfw.registry import DATASETS

Features = Dict[str, torch.Tensor]


def build_unaugmented_train_set(cfg: Config) -> PersonSearchDataset:
    """The config's train split (with its injected noise) without
    augmentation.

    Args:
        cfg (Config): Experiment config.

    Returns:
        PersonSearchDataset: Images through the test image pipeline,
        captions through a plain ``TokenizeCaption`` with the model's
        tokenizer, broken images never skipped (every pair is scored).
    """
    dataset_cfg = cfg.train_dataloader.dataset.copy()
    dataset_cfg.image_pipeline = cfg.test_dataloader.dataset.image_pipeline
    dataset_cfg.text_pipeline = [
        dict(type='TokenizeCaption', tokenizer=cfg.model.tokenizer)
    ]
    dataset_cfg.pop('skip_broken_images', None)
    return DATASETS.build(dataset_cfg)


def pair_loss_heads(model: torch.nn.Module) -> List[torch.nn.Module]:
    """The model's loss heads that score each pair on its own (each a
    :class:`~amnsfw.contracts.PerPairLoss`, e.g. RDE's ``TALLoss``), in
    model order."""
    return [head for head in model.loss_heads
            if isinstance(head, PerPairLoss)]


def per_pair_losses(heads: Sequence[torch.nn.Module],
                    features: dict) -> torch.Tensor:
    """Each head's per-pair loss of a batch, one column per head.

    Args:
        heads (Sequence[nn.Module]): From :func:`pair_loss_heads`.
        features (dict): The batch's features, as the heads train on them.

    Returns:
        Tensor: ``(B, H)`` float32 losses, on the features' device.
    """
    return torch.stack([head.per_pair_loss(features).float()
                        for head in heads], dim=1)


def pair_loss_table(scored: Iterable[Tuple[Sequence[int], Sequence]],
                    num_pairs: int, num_heads: int, who: str = '',
                    hint: str = '') -> np.ndarray:
    """Per-pair losses of every training pair, by pair index.

    Args:
        scored (Iterable[tuple]): ``(pair indices, (B, H) losses)`` chunks,
            e.g. one per batch or per rank; a later chunk overwrites an
            earlier one's pair.
        num_pairs (int): Pairs of the train split.
        num_heads (int): Loss columns ``H``.
        who (str): What scored, leading the error message, e.g.
            ``'ConsensusDivisionHook '``. Defaults to ``''``.
        hint (str): Appended to the error message. Defaults to ``''``.

    Returns:
        np.ndarray: ``(num_pairs, H)`` float64 losses.

    Raises:
        RuntimeError: Some pair was never scored: every pair must be.
    """
    losses = np.full((num_pairs, num_heads), np.nan)
    for indices, rows in scored:
        losses[np.asarray(indices, dtype=np.int64)] = rows
    unseen = np.flatnonzero(np.isnan(losses[:, 0]))
    if len(unseen):
        raise RuntimeError(f'{who}scored {num_pairs - len(unseen)} of '
                           f'{num_pairs} training pairs; unseen pairs, e.g. '
                           f'{unseen[:5].tolist()}{hint}')
    return losses


def iter_pair_features(model: torch.nn.Module, dataset: PersonSearchDataset,
                       batch_size: int, num_workers: int = 0,
                       progress: bool = False
                       ) -> Iterator[Tuple[torch.Tensor, dict]]:
    """The model's features of every pair, consecutive pairs per batch.

    Args:
        model (nn.Module): The retriever, in eval mode, under no_grad.
        dataset (PersonSearchDataset): A train split, e.g. from
            :func:`build_unaugmented_train_set`.
        batch_size (int): Pairs per batch.
        num_workers (int): Data loader workers. Defaults to 0.
        progress (bool): Show a progress bar on stderr. Defaults to False.

    Yields:
        tuple: ``(rows, features)``: the ``(B,)`` pair indices (CPU int64)
        and the model's ``encode_pairs`` output for them.
    """
    loader = DataLoader(dataset, batch_size=batch_size, shuffle=False,
                        num_workers=num_workers,
                        collate_fn=collate_person_search)
    bar = ProgressBar(len(dataset), file=sys.stderr) if progress else None
    for batch in loader:
        data = model.data_preprocessor(batch, False)
        features = model.encode_pairs(data['inputs'], data['data_samples'])
        rows = features['image_index'].cpu()
        yield rows, features
        if bar is not None:
            bar.update(len(rows))
    if bar is not None:
        sys.stderr.write('\n')


def collect_embeddings(store: Features, rows: torch.Tensor, named: Features,
                       num_pairs: int) -> None:
    """Write a batch's named embeddings into ``(num_pairs, D_e)`` float32
    CPU tensors at ``rows``, creating them on first use."""
    for name, value in named.items():
        if name not in store:
            store[name] = torch.zeros((num_pairs, value.shape[1]),
                                      dtype=torch.float32)
        store[name][rows] = value.float().cpu()


@torch.no_grad()
def embed_pairs(model: torch.nn.Module, dataset: PersonSearchDataset,
                batch_size: int, num_workers: int = 0
                ) -> Tuple[Features, Features]:
    """Image and caption embeddings of every pair, by pair index.

    Args:
        model (nn.Module): The retriever, in eval mode.
        dataset (PersonSearchDataset): A train split.
        batch_size (int): Pairs per batch.
        num_workers (int): Data loader workers. Defaults to 0.

    Returns:
        tuple: ``(N, D_e)`` image and caption embeddings by name (the
        model's ``named_embeddings``), on the CPU.
    """
    image_feats: Features = {}
    text_feats: Features = {}
    for rows, features in iter_pair_features(model, dataset, batch_size,
                                             num_workers):
        collect_embeddings(image_feats, rows,
                           model.named_embeddings(features, 'image'),
                           len(dataset))
        collect_embeddings(text_feats, rows,
                           model.named_embeddings(features, 'text'),
                           len(dataset))
    return image_feats, text_feats


def caption_ranks(text_feats: Features, image_feats: Features,
                  own_image: torch.Tensor) -> np.ndarray:
    """The rank of each caption's own image among all images.

    ``rank_i = #{g : S(t_i, v_g) >= S(t_i, v_own(i))}``, with ``S`` the
    evaluation's :func:`~amnsfw.evaluation.functional.ranking_metrics.
    similarity`: 1 when the own image is the caption's best match, and any
    image tied with it counted ahead. Captions are ranked in chunks of
    :func:`~amnsfw.evaluation.functional.ranking_metrics.auto_chunk_size`.

    Args:
        text_feats (Dict[str, Tensor]): ``(N, D_e)`` caption embeddings.
        image_feats (Dict[str, Tensor]): ``(G, D_e)`` embeddings of the
            distinct images.
        own_image (Tensor): ``(N,)`` int64 row of each caption's image in
            ``image_feats``.

    Returns:
        np.ndarray: ``(N,)`` int64 ranks in ``[1, G]``.
    """
    num_captions = len(own_image)
    num_images = next(iter(image_feats.values())).shape[0]
    chunk = auto_chunk_size(num_images)
    ranks = []
    for start in range(0, num_captions, chunk):
        stop = min(start + chunk, num_captions)
        sims = similarity(
            {name: value[start:stop] for name, value in text_feats.items()},
            image_feats)
        own = sims.gather(1, own_image[start:stop, None])
        ranks.append((sims >= own).sum(dim=1))
    return torch.cat(ranks).numpy().astype(np.int64)


def own_image_ranks(dataset: PersonSearchDataset, image_feats: Features,
                    text_feats: Features) -> np.ndarray:
    """:func:`caption_ranks` of every pair over the distinct training
    images (pairs that share an image share its features).

    Args:
        dataset (PersonSearchDataset): The train split the features are of.
        image_feats (Dict[str, Tensor]): ``(N, D_e)`` image embeddings by
            pair index.
        text_feats (Dict[str, Tensor]): ``(N, D_e)`` caption embeddings by
            pair index.

    Returns:
        np.ndarray: ``(N,)`` int64: 1 where the pair's own image is its
        caption's best match among the training images.
    """
    image_index = np.array([dataset.get_data_info(i)['image_index']
                            for i in range(len(dataset))])
    _, first, own = np.unique(image_index, return_index=True,
                              return_inverse=True)
    gallery = {name: value[torch.from_numpy(first)]
               for name, value in image_feats.items()}
    return caption_ranks(text_feats, gallery,
                         torch.from_numpy(own.reshape(-1)).long())
