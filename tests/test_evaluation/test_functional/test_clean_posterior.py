"""amnsfw.evaluation.functional.clean_posterior: RDE's clean posterior."""
import sys

import numpy as np
import pytest

from amnsfw.evaluation.functional.clean_posterior import (RDE_GMM,
                                                          clean_posterior)


def test_low_losses_are_clean_and_high_ones_noisy():
    rng = np.random.default_rng(0)
    noisy = rng.random(400) < 0.3
    losses = np.where(noisy, rng.normal(0.8, 0.05, 400),
                      rng.normal(0.2, 0.05, 400))
    posterior = clean_posterior(losses)
    assert posterior.shape == (400, ) and posterior.dtype == np.float64
    assert ((posterior > 0.5) == ~noisy).all()


def test_posterior_ignores_the_scale_and_offset_of_the_losses():
    # Min-max normalisation: an affine change of the losses changes nothing.
    losses = np.random.default_rng(1).normal(size=200)
    assert clean_posterior(3 * losses + 7) == pytest.approx(
        clean_posterior(losses))


def test_constant_losses_carry_no_evidence():
    assert clean_posterior(np.full(5, 2.5)).tolist() == [1.0] * 5


def test_non_finite_losses_are_refused():
    with pytest.raises(ValueError, match='1 of 3 per-pair losses'):
        clean_posterior(np.array([0.1, np.nan, 0.3]))


def test_rde_defaults_are_rdes_low_noise_settings():
    assert RDE_GMM == dict(max_iter=10, tol=1e-2, reg_covar=5e-4)


def test_missing_scikit_learn_is_a_clear_error(monkeypatch):
    monkeypatch.setitem(sys.modules, 'sklearn.mixture', None)
    with pytest.raises(ImportError, match='needs scikit-learn'):
        clean_posterior(np.array([0.1, 0.2, 0.9]))
