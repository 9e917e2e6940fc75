"""Statistics over seeds: mean ± sample standard deviation, and the rule
that calls two results different only beyond twice the larger spread."""
import statistics
from typing import Sequence, Tuple


def mean_std(values: Sequence[float]) -> Tuple[float, float]:
    """Mean and sample standard deviation (0 for a single value)."""
    values = list(values)
    std = statistics.stdev(values) if len(values) > 1 else 0.0
    return statistics.mean(values), std


def cell(values: Sequence[float]) -> str:
    """``'mean ± std'`` (two decimals), or the mean alone for one value."""
    mean, std = mean_std(values)
    return f'{mean:.2f} ± {std:.2f}' if len(values) > 1 else f'{mean:.2f}'


def compare(a: Sequence[float], b: Sequence[float]) -> str:
    """``'>'``, ``'<'`` or ``'≈'``: a difference only when the means differ
    by more than twice the larger standard deviation, and only with at least
    two seeds on each side (else ``'?'``)."""
    if len(a) < 2 or len(b) < 2:
        return '?'
    (mean_a, std_a), (mean_b, std_b) = mean_std(a), mean_std(b)
    if abs(mean_a - mean_b) <= 2 * max(std_a, std_b):
        return '≈'
    return '>' if mean_a > mean_b else '<'
