"""How much of its noisy training data a run has memorised, per epoch."""
from typing import Dict, Optional

import numpy as np
import torch
from mmengine.dist import is_main_process
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from amnsfw.evaluation.pair_scoring import (build_unaugmented_train_set,
                                            embed_pairs, own_image_ranks)
from amnsfw.registry import HOOKS


def memorisation_scalars(ranks: np.ndarray,
                         noisy: Optional[np.ndarray]) -> Dict[str, float]:
    """Percentages of training pairs whose own image ranks first for their
    caption, among the clean and among the noisy pairs.

    Args:
        ranks (np.ndarray): ``(N,)`` rank of each pair's own image among
            the training images for its caption (1 = first).
        noisy (np.ndarray, optional): ``(N,)`` bool, the injected noise;
            None or all False when there is none.

    Returns:
        dict: ``memorisation/clean_top1`` (the clean pairs fitted) and, when
        some pairs are noisy, ``memorisation/noisy_top1`` (the noisy pairs
        memorised: their caption describes another person, yet the model
        ranks the image it was wrongly paired with first).
    """
    first = np.asarray(ranks) == 1
    noisy = np.zeros(len(first), bool) if noisy is None else noisy
    scalars = {}
    if (~noisy).any():
        scalars['memorisation/clean_top1'] = 100.0 * first[~noisy].mean()
    if noisy.any():
        scalars['memorisation/noisy_top1'] = 100.0 * first[noisy].mean()
    return scalars


@HOOKS.register_module()
class MemorisationHook(Hook):
    """After each validation, log :func:`memorisation_scalars` of the train
    split: every pair embedded in order, without augmentation
    (:func:`~amnsfw.evaluation.pair_scoring.build_unaugmented_train_set`),
    each caption's own image ranked among the distinct training images.

    A pretrained model first fits the clean pairs; the epoch where
    ``memorisation/noisy_top1`` starts to climb is where it begins to
    memorise the noisy ones. The scalars go into the validation log (and
    ``scalars.json``) beside the retrieval metrics; they do not enter the
    metrics that choose the best checkpoint. Costs one pass over the train
    split per validation, on the main process only.

    Args:
        batch_size (int): Pairs per scoring batch. Defaults to 256.
        num_workers (int): Scoring data loader workers. Defaults to 0.
    """

    # After RuntimeInfoHook (VERY_HIGH) has stored the validation metrics,
    # before LoggerHook (BELOW_NORMAL) writes them.
    priority = 'NORMAL'

    def __init__(self, batch_size: int = 256, num_workers: int = 0) -> None:
        if batch_size < 1 or num_workers < 0:
            raise ValueError('MemorisationHook needs batch_size >= 1 and '
                             f'num_workers >= 0, got batch_size={batch_size},'
                             f' num_workers={num_workers}')
        self.batch_size = batch_size
        self.num_workers = num_workers
        self.dataset = None

    def after_val_epoch(self, runner,
                        metrics: Optional[Dict[str, float]] = None) -> None:
        if not is_main_process():
            return
        if self.dataset is None:
            self.dataset = build_unaugmented_train_set(runner.cfg)
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        was_training = model.training
        model.eval()
        try:
            with torch.no_grad():
                image_feats, text_feats = embed_pairs(
                    model, self.dataset, self.batch_size, self.num_workers)
        finally:
            model.train(was_training)
        ranks = own_image_ranks(self.dataset, image_feats, text_feats)
        noisy = getattr(self.dataset, 'noisy_pairs', None)
        for name, value in memorisation_scalars(ranks, noisy).items():
            runner.message_hub.update_scalar(f'val/{name}', float(value))
