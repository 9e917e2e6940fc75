"""Consensus clean-label division (CCD) of RDE, run before each epoch."""
import contextlib
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch
from mmengine.dataset import DefaultSampler
from mmengine.dist import (all_gather_object, broadcast_object_list,
                           is_main_process)
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmengine.optim import OptimWrapper
from torch.utils.data import DataLoader

from amnsfw.plugin_api import (RDE_GMM, clean_posterior, pair_loss_heads,
                               pair_loss_table, per_pair_losses)

#: What a pair gets when the heads disagree.
DISAGREEMENTS = ('random', 'keep', 'drop')
#: Where the weights go in a checkpoint.
CHECKPOINT_KEY = 'ccd_pair_weights'


def clean_labels(losses: np.ndarray,
                 threshold: float = 0.5,
                 gmm: Optional[dict] = None,
                 fallback_noisy_fraction: Optional[float] = 0.01,
                 seed: int = 0) -> np.ndarray:
    """Call each pair clean or noisy from its loss, as RDE does.

    A pair is clean if its :func:`clean_posterior` exceeds ``threshold``.
    If that calls every
    pair clean, the ``floor(N * fallback_noisy_fraction) + 1`` pairs of
    lowest clean posterior are called noisy instead (RDE's rule, after
    NCR). Constant losses carry no evidence: every pair is then clean.

    Args:
        losses (np.ndarray): ``(N,)`` per-pair losses.
        threshold (float): Clean if the posterior exceeds it. Defaults to 0.5.
        gmm (dict, optional): ``GaussianMixture`` arguments besides
            ``n_components=2`` and ``random_state``. Defaults to None
            (:data:`RDE_GMM`).
        fallback_noisy_fraction (float, optional): See above; None turns the
            fallback off. Defaults to 0.01.
        seed (int): The mixture's ``random_state``. Defaults to 0.

    Returns:
        np.ndarray: ``(N,)`` bool, True for clean.
    """
    losses = np.asarray(losses, dtype=np.float64)
    if np.isfinite(losses).all() and losses.max() == losses.min():
        return np.ones(losses.shape, dtype=bool)  # no evidence either way
    prob = clean_posterior(losses, gmm, seed)
    clean = prob > threshold
    if fallback_noisy_fraction is not None and clean.all():
        lowest = np.argsort(prob, kind='stable')
        clean[lowest[:int(len(prob) * fallback_noisy_fraction) + 1]] = False
    return clean


def consensus_weights(losses_per_head: Sequence[np.ndarray],
                      threshold: float = 0.5,
                      gmm: Optional[dict] = None,
                      disagreement: str = 'random',
                      fallback_noisy_fraction: Optional[float] = 0.01,
                      seed: int = 0) -> Tuple[np.ndarray, List[np.ndarray]]:
    """RDE's consensus division of the training pairs.

    Each head's losses are labelled by :func:`clean_labels`; a pair that
    every head calls clean gets weight 1, one that every head calls noisy
    0, and one the heads disagree on a fair coin flip (``'random'``, RDE's
    rule), 1 (``'keep'``) or 0 (``'drop'``).

    Args:
        losses_per_head (Sequence[np.ndarray]): ``(N,)`` losses per head.
        threshold (float): See :func:`clean_labels`. Defaults to 0.5.
        gmm (dict, optional): See :func:`clean_labels`. Defaults to None.
        disagreement (str): ``'random'``, ``'keep'`` or ``'drop'``.
            Defaults to ``'random'``.
        fallback_noisy_fraction (float, optional): See
            :func:`clean_labels`. Defaults to 0.01.
        seed (int): Seeds the mixtures and the coin. Defaults to 0.

    Returns:
        tuple[np.ndarray, list[np.ndarray]]: ``(N,)`` float32 weights, and
        each head's ``(N,)`` bool clean labels.
    """
    if disagreement not in DISAGREEMENTS:
        raise ValueError(f'disagreement must be one of {DISAGREEMENTS}, got '
                         f'{disagreement!r}')
    if not losses_per_head:
        raise ValueError('consensus_weights needs the losses of at least '
                         'one head, got none')
    labels = [clean_labels(losses, threshold, gmm, fallback_noisy_fraction,
                           seed) for losses in losses_per_head]
    votes = np.stack(labels).sum(axis=0)
    weights = (votes == len(labels)).astype(np.float32)
    disputed = (votes > 0) & (votes < len(labels))
    if disagreement == 'keep':
        weights[disputed] = 1.0
    elif disagreement == 'random':
        coin = np.random.default_rng(seed).integers(0, 2, size=len(weights))
        weights[disputed] = coin[disputed]
    return weights, labels


def label_quality(clean: np.ndarray, noisy: np.ndarray) -> Dict[str, float]:
    """Precision and recall of ``clean`` calls against the true
    ``~noisy``, and the clean fraction (precision is 1 when nothing is
    called clean, recall 1 when nothing is clean)."""
    truth = ~noisy
    hits = float((clean & truth).sum())
    return dict(precision=hits / clean.sum() if clean.any() else 1.0,
                recall=hits / truth.sum() if truth.any() else 1.0,
                clean_fraction=float(clean.mean()))


class ConsensusDivisionHook(Hook):
    """Divide the training pairs into clean and noisy before each epoch.

    RDE's consensus clean-label division (CCD; Qin et al., CVPR 2024): from
    epoch ``start_epoch`` on (RDE: the first, before any training), before
    each epoch the model, in eval mode and without gradients, scores every
    training pair with each loss head that is a ``PerPairLoss`` (RDE: TAL
    on the global and on the TSE embedding); :func:`consensus_weights`
    turns the losses into per-pair weights, which every training batch
    then carries as ``data_samples['pair_weights']`` for the loss heads
    (weight 1: train on the pair, 0: drop it). Before ``start_epoch`` every
    pair has weight 1.

    Scoring takes the training set once, through a loader with the train
    loader's batch size, collate function and workers, shuffled like RDE's
    (seeded with ``seed`` + epoch; per-pair TAL depends on the batch's other
    pairs), and sharded across ranks under DDP. Each rank scores the features
    the loss heads train on (the model's ``batch_features``): with the
    retriever's ``loss_batch='global'`` those of the whole global batch, so a
    pair's loss is the one a single process with the same global batch size
    gives it. The losses are gathered on rank 0, which must see every pair (an
    unseen pair is an error, never a silently dropped one), computes the
    weights and sends them to every rank. When the data set has ``noisy_pairs``
    (known noise, for reports only), the precision and recall of the clean
    calls, overall and per head, are logged as ``train/ccd_*``.

    The weights are saved in checkpoints under ``ccd_pair_weights``.

    Args:
        start_epoch (int): First (0-based) epoch that is divided. Defaults
            to 0 (RDE).
        threshold (float): A pair is clean for a head if its posterior under
            the low-loss component exceeds it. Defaults to 0.5 (RDE).
        gmm (dict, optional): ``sklearn.mixture.GaussianMixture`` arguments
            besides ``n_components``. Defaults to None: RDE's
            ``max_iter=10, tol=1e-2, reg_covar=5e-4`` (RDE uses
            ``max_iter=100, tol=1e-4, reg_covar=1e-6`` at noise rates above
            0.4 and on RSTPReid).
        disagreement (str): Weight of a pair the heads disagree on:
            ``'random'`` (a seeded fair coin, RDE), ``'keep'`` (1) or
            ``'drop'`` (0). Defaults to ``'random'``.
        fallback_noisy_fraction (float, optional): When a head calls every
            pair clean, call this fraction (plus one pair) of lowest clean
            posterior noisy (RDE: 1 %); None turns that off. Defaults to
            0.01.
        shuffle (bool): Score in a shuffled order, as RDE does; False scores
            in data-set order. Defaults to True.
        batch_size (int, optional): Scoring batch size. Defaults to None
            (the train loader's).
        seed (int): Seeds the scoring order, the mixtures and the coin
            (plus the epoch, so each epoch draws afresh). Defaults to 0.
    """

    priority = 'NORMAL'

    def __init__(self,
                 start_epoch: int = 0,
                 threshold: float = 0.5,
                 gmm: Optional[dict] = None,
                 disagreement: str = 'random',
                 fallback_noisy_fraction: Optional[float] = 0.01,
                 shuffle: bool = True,
                 batch_size: Optional[int] = None,
                 seed: int = 0) -> None:
        if disagreement not in DISAGREEMENTS:
            raise ValueError(f'disagreement must be one of {DISAGREEMENTS}, '
                             f'got {disagreement!r}')
        if not 0 <= threshold < 1:
            raise ValueError(f'threshold must be in [0, 1), got {threshold}')
        self.start_epoch = start_epoch
        self.threshold = threshold
        self.gmm = dict(RDE_GMM if gmm is None else gmm)
        self.disagreement = disagreement
        self.fallback_noisy_fraction = fallback_noisy_fraction
        self.shuffle = shuffle
        self.batch_size = batch_size
        self.seed = seed
        #: ``(N,)`` float32 weight of each training pair, by pair index.
        self.weights: Optional[torch.Tensor] = None

    def before_train_epoch(self, runner) -> None:
        dataset = runner.train_dataloader.dataset
        if runner.epoch < self.start_epoch:
            self.weights = torch.ones(len(dataset))
            return
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        heads = pair_loss_heads(model)
        if not heads:
            raise ValueError(
                'ConsensusDivisionHook needs loss heads that are a '
                'PerPairLoss (with per_pair_loss, e.g. TALLoss); the model '
                'has '
                f'{[type(head).__name__ for head in model.loss_heads]}')
        seed = self.seed + runner.epoch
        scored = self._score(runner, model, heads, seed)
        gathered = all_gather_object(scored)
        result = [None]
        if is_main_process():
            try:
                result = [self._divide(gathered, len(dataset), seed, heads,
                                       getattr(dataset, 'noisy_pairs', None))]
            except Exception as error:  # every rank raises it, none hangs
                result = [error]
        broadcast_object_list(result)
        if isinstance(result[0], Exception):
            raise result[0]
        weights, stats = result[0]
        self.weights = torch.from_numpy(weights)
        self._report(runner, stats)

    def before_train_iter(self, runner, batch_idx: int,
                          data_batch: Optional[dict] = None) -> None:
        if self.weights is None:
            raise RuntimeError('ConsensusDivisionHook has no pair weights: '
                               'before_train_epoch has not run')
        samples = data_batch['data_samples']
        samples['pair_weights'] = self.weights[samples['image_index'].cpu()]

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        if self.weights is not None:
            checkpoint[CHECKPOINT_KEY] = self.weights.clone()

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        if CHECKPOINT_KEY in checkpoint:
            self.weights = checkpoint[CHECKPOINT_KEY].float().cpu()

    def _loader(self, runner, seed: int) -> DataLoader:
        """This rank's share of the training set, every pair once."""
        train_loader = runner.train_dataloader
        batch_size = (self.batch_size or train_loader.batch_size or getattr(
            train_loader.batch_sampler, 'batch_size', None))
        if not batch_size:
            raise ValueError(
                'ConsensusDivisionHook cannot tell the train loader\'s batch '
                'size (its batch sampler has no batch_size); set batch_size')
        sampler = DefaultSampler(train_loader.dataset, shuffle=self.shuffle,
                                 seed=seed)
        return DataLoader(train_loader.dataset, batch_size=batch_size,
                          sampler=sampler, collate_fn=train_loader.collate_fn,
                          num_workers=train_loader.num_workers,
                          pin_memory=train_loader.pin_memory)

    def _score(self, runner, model, heads, seed: int) -> Dict[int, list]:
        """``pair index -> [loss per head]`` for this rank's pairs."""
        optim_wrapper = getattr(runner, 'optim_wrapper', None)
        precision = (optim_wrapper.optim_context(model) if isinstance(
            optim_wrapper, OptimWrapper) else contextlib.nullcontext())
        was_training = model.training
        model.eval()
        scored: Dict[int, list] = {}
        try:
            with torch.no_grad(), precision:
                for batch in self._loader(runner, seed):
                    data = model.data_preprocessor(batch, True)
                    features = model.batch_features(model.encode_pairs(
                        data['inputs'], data['data_samples']))
                    losses = per_pair_losses(heads, features).cpu().tolist()
                    for index, row in zip(
                            features['image_index'].tolist(), losses):
                        scored[index] = row
        finally:
            model.train(was_training)
        return scored

    def _divide(self, gathered: Sequence[Dict[int, list]], num_pairs: int,
                seed: int, heads, noisy: Optional[np.ndarray]
                ) -> Tuple[np.ndarray, Dict[str, float]]:
        """Weights of all pairs from every rank's losses, and their quality
        statistics."""
        losses = pair_loss_table(
            ((list(scored), list(scored.values())) for scored in gathered
             if scored), num_pairs, len(heads), who='ConsensusDivisionHook ',
            hint=' (skip_broken_images skips pairs)')
        weights, labels = consensus_weights(
            list(losses.T), self.threshold, self.gmm, self.disagreement,
            self.fallback_noisy_fraction, seed)
        clean = weights == 1
        stats = dict(ccd_clean_fraction=float(clean.mean()))
        if noisy is not None:
            noisy = np.asarray(noisy, dtype=bool)
            named = [('', clean)] + [
                ('_' + getattr(head, 'term', f'head{i}').removeprefix('loss_'),
                 label) for i, (head, label) in enumerate(zip(heads, labels))]
            for name, calls in named:
                quality = label_quality(calls, noisy)
                stats[f'ccd{name}_clean_precision'] = quality['precision']
                stats[f'ccd{name}_clean_recall'] = quality['recall']
                stats[f'ccd{name}_clean_fraction'] = quality[
                    'clean_fraction']
        return weights, stats

    @staticmethod
    def _report(runner, stats: Dict[str, float]) -> None:
        runner.logger.info(
            f'CCD before epoch {runner.epoch + 1}: ' + ', '.join(
                f'{key}={value:.4f}' for key, value in stats.items()))
        for key, value in stats.items():
            runner.message_hub.update_scalar(f'train/{key}', value)
