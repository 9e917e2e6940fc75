"""How well a per-pair score finds the noisy (mislabelled) training pairs.

A detector gives every training pair a score, larger meaning more
suspicious; where the noise was injected (``dataset.noisy_pairs``) the
truth is known and the score can be judged as a ranking of the pairs:
precision and recall of its top ``k`` and the area under its ROC curve.
Pure numpy, so reports need no scikit-learn.
"""
from typing import Tuple

import numpy as np


def _check(scores: np.ndarray,
           labels: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """Scores as float64 and labels as bool, both ``(N,)``, N > 0."""
    scores = np.asarray(scores, dtype=np.float64)
    labels = np.asarray(labels)
    if scores.ndim != 1 or labels.shape != scores.shape:
        raise ValueError('scores and labels must be 1-D arrays of one '
                         f'length, got shapes {scores.shape} and '
                         f'{labels.shape}')
    if not scores.size:
        raise ValueError('there are no scores to evaluate')
    if not np.isfinite(scores).all():
        raise ValueError(f'{int((~np.isfinite(scores)).sum())} of '
                         f'{scores.size} scores are NaN or infinite')
    if labels.dtype != bool and not np.isin(labels, (0, 1)).all():
        raise ValueError('labels must be bool or 0/1, got values '
                         f'{np.unique(labels)[:5].tolist()}')
    return scores, labels.astype(bool)


def _check_k(k: int, num_items: int) -> int:
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f'k must be a positive integer, got {k!r}')
    return min(int(k), num_items)


def descending_order(scores: np.ndarray) -> np.ndarray:
    """Indices of ``scores`` from largest to smallest; equal scores keep
    their index order (a stable sort), so every report ranks alike.

    Args:
        scores (np.ndarray): ``(N,)`` scores.

    Returns:
        np.ndarray: ``(N,)`` int64 permutation.
    """
    return np.argsort(-np.asarray(scores, dtype=np.float64), kind='stable')


def precision_at_k(scores: np.ndarray, labels: np.ndarray, k: int) -> float:
    """Fraction of noisy pairs among the ``k`` highest scores.

    ``P@k = |top_k ∩ noisy| / k``, ``top_k`` as :func:`descending_order`
    ranks (``k`` is capped at N).

    Args:
        scores (np.ndarray): ``(N,)`` scores, larger = more suspicious.
        labels (np.ndarray): ``(N,)`` bool, True for a noisy pair.
        k (int): Cut-off, positive.

    Returns:
        float: Precision in [0, 1].
    """
    scores, labels = _check(scores, labels)
    k = _check_k(k, len(scores))
    return float(labels[descending_order(scores)[:k]].sum() / k)


def recall_at_k(scores: np.ndarray, labels: np.ndarray, k: int) -> float:
    """Fraction of the noisy pairs found among the ``k`` highest scores.

    ``R@k = |top_k ∩ noisy| / |noisy|``, ``top_k`` as
    :func:`descending_order` ranks (``k`` is capped at N).

    Args:
        scores (np.ndarray): ``(N,)`` scores, larger = more suspicious.
        labels (np.ndarray): ``(N,)`` bool, True for a noisy pair.
        k (int): Cut-off, positive.

    Returns:
        float: Recall in [0, 1].

    Raises:
        ValueError: If no pair is noisy (recall is undefined).
    """
    scores, labels = _check(scores, labels)
    k = _check_k(k, len(scores))
    if not labels.any():
        raise ValueError('recall needs at least one noisy pair, got none')
    return float(labels[descending_order(scores)[:k]].sum() / labels.sum())


def average_ranks(values: np.ndarray) -> np.ndarray:
    """1-based ascending ranks, tied values sharing the mean of their
    ranks (``[3, 1, 3] -> [2.5, 1, 2.5]``).

    Args:
        values (np.ndarray): ``(N,)`` values.

    Returns:
        np.ndarray: ``(N,)`` float64 ranks.
    """
    _, inverse, counts = np.unique(np.asarray(values), return_inverse=True,
                                   return_counts=True)
    # A group of c ties after s smaller values holds ranks s+1 .. s+c.
    smaller = np.cumsum(counts) - counts
    return (smaller + (counts + 1) / 2.0)[inverse.reshape(-1)]


def auroc(scores: np.ndarray, labels: np.ndarray) -> float:
    r"""Area under the ROC curve of ``scores`` for the noisy pairs.

    The probability that a random noisy pair scores above a random clean
    one, ties counting one half (the Mann-Whitney U statistic over
    :math:`n_1 n_0`). With :math:`R_1` the sum of the noisy pairs' ascending
    ranks among all scores, ties given their average rank
    (:func:`average_ranks`):

    .. math::
        \mathrm{AUROC} = \frac{R_1 - n_1 (n_1 + 1) / 2}{n_1 n_0}

    1 for a perfect detector, 0.5 for a random or constant one.

    Args:
        scores (np.ndarray): ``(N,)`` scores, larger = more suspicious.
        labels (np.ndarray): ``(N,)`` bool, True for a noisy pair.

    Returns:
        float: AUROC in [0, 1].

    Raises:
        ValueError: If every pair is noisy or every pair is clean.
    """
    scores, labels = _check(scores, labels)
    num_noisy = int(labels.sum())
    num_clean = len(labels) - num_noisy
    if not num_noisy or not num_clean:
        raise ValueError('AUROC needs noisy and clean pairs, got '
                         f'{num_noisy} noisy and {num_clean} clean')
    rank_sum = average_ranks(scores)[labels].sum()
    return float((rank_sum - num_noisy * (num_noisy + 1) / 2.0)
                 / (num_noisy * num_clean))
