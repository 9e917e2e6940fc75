import itertools

import numpy as np
import pytest

from amnsfw.evaluation.functional.noise_detection import (average_ranks,
                                                          auroc,
                                                          descending_order,
                                                          precision_at_k,
                                                          recall_at_k)


def pairwise_auroc(scores, labels) -> float:
    """P(noisy scores above clean), ties one half: every pair counted."""
    noisy = [s for s, y in zip(scores, labels) if y]
    clean = [s for s, y in zip(scores, labels) if not y]
    wins = sum(1.0 if a > b else 0.5 if a == b else 0.0
               for a, b in itertools.product(noisy, clean))
    return wins / (len(noisy) * len(clean))


def test_auroc_of_a_hand_computed_case_with_ties():
    scores = [0.9, 0.4, 0.4, 0.1, 0.7]
    labels = [True, True, False, False, False]
    # Noisy 0.9 beats all 3 clean; noisy 0.4 beats 0.1, ties 0.4, loses to
    # 0.7: (3 + 1 + 0.5) / (2 * 3) = 0.75.
    assert auroc(scores, labels) == pytest.approx(0.75)
    # Rank sum: ascending ranks 5, 2.5 (tied with the clean 0.4) -> 7.5;
    # (7.5 - 3) / 6 = 0.75.
    assert average_ranks(scores).tolist() == [5.0, 2.5, 2.5, 1.0, 4.0]


def test_auroc_limits():
    labels = np.array([1, 0, 1, 0, 0], dtype=bool)
    assert auroc(labels.astype(float), labels) == 1.0
    assert auroc(-labels.astype(float), labels) == 0.0
    assert auroc(np.zeros(5), labels) == 0.5


def test_auroc_equals_pairwise_count_on_random_tied_scores():
    rng = np.random.default_rng(0)
    for _ in range(5):
        scores = rng.integers(0, 4, size=30).astype(float)
        labels = rng.random(30) < 0.4
        assert auroc(scores, labels) == pytest.approx(
            pairwise_auroc(scores, labels))


def test_precision_and_recall_at_k():
    scores = [0.2, 0.9, 0.5, 0.8, 0.1]
    labels = [True, True, False, False, True]
    # Top 2: 0.9 (noisy), 0.8 (clean).
    assert precision_at_k(scores, labels, 2) == 0.5
    assert recall_at_k(scores, labels, 2) == pytest.approx(1 / 3)
    # k beyond N is capped: everything found, precision = noise rate.
    assert precision_at_k(scores, labels, 10) == pytest.approx(3 / 5)
    assert recall_at_k(scores, labels, 10) == 1.0


def test_ties_keep_index_order():
    assert descending_order([1.0, 2.0, 1.0, 2.0]).tolist() == [1, 3, 0, 2]
    # The tie at the cut goes to the earlier index (clean here).
    assert precision_at_k([1.0, 1.0], [False, True], 1) == 0.0


@pytest.mark.parametrize('labels, match', [
    ([True, True], 'noisy and clean'),
    ([False, False], 'noisy and clean'),
])
def test_auroc_needs_both_classes(labels, match):
    with pytest.raises(ValueError, match=match):
        auroc([0.1, 0.2], labels)


def test_bad_inputs_raise():
    with pytest.raises(ValueError, match='one length'):
        auroc([0.1, 0.2], [True])
    with pytest.raises(ValueError, match='NaN or infinite'):
        auroc([np.nan, 0.2], [True, False])
    with pytest.raises(ValueError, match='k must be a positive integer'):
        precision_at_k([0.1], [True], 0)
    with pytest.raises(ValueError, match='at least one noisy pair'):
        recall_at_k([0.1, 0.2], [False, False], 1)
