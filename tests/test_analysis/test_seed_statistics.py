"""amnsfw.analysis.seed_statistics: mean ± std and the 2-sigma rule."""
import pytest

from amnsfw.analysis.seed_statistics import cell, compare, mean_std


def test_a_difference_needs_twice_the_larger_spread():
    assert compare([10, 12], [5, 6]) == '>'  # 5.5 apart, stds 1.41, 0.71
    assert compare([10, 12], [8, 9]) == '≈'  # 2.5 apart < 2 * 1.41
    assert compare([5, 6], [10, 12]) == '<'
    assert compare([10], [1, 2]) == '?'


def test_mean_and_sample_standard_deviation():
    assert mean_std([1.0, 2.0, 3.0]) == pytest.approx(
        (2.0, 1.0))
    assert cell([4.0]) == '4.00'
    assert cell([1.0, 3.0]) == '2.00 ± 1.41'
