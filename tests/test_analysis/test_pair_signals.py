"""amnsfw.analysis.pair_signals: the scores of suspicious training pairs."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from mmengine.config import Config

from amnsfw.analysis.pair_signals import (DEFAULT_TAU, ccd_gmm, fallback_tau,
                                          identity_infonce, signal_scores)
from amnsfw.evaluation.functional.clean_posterior import RDE_GMM


def test_identity_infonce_limits():
    torch.manual_seed(0)
    image, text = torch.randn(5, 8), torch.randn(5, 8)
    tau = 0.1
    distinct = torch.arange(5)
    # Distinct persons: CLIP's per-pair InfoNCE, both directions halved.
    logits = F.normalize(image, dim=1) @ F.normalize(text, dim=1).T / tau
    clip = 0.5 * (F.cross_entropy(logits, distinct, reduction='none')
                  + F.cross_entropy(logits.T, distinct, reduction='none'))
    loss = identity_infonce({'global': image}, {'global': text}, distinct,
                            distinct, tau)
    assert torch.allclose(loss, clip, atol=1e-5)
    # One person: all the mass is on positives, nothing to pay.
    same = torch.zeros(5, dtype=torch.long)
    loss = identity_infonce({'global': image}, {'global': text}, same, same,
                            tau)
    assert torch.allclose(loss, torch.zeros(5), atol=1e-6)


class _Temperature(torch.nn.Module):

    def forward(self) -> torch.Tensor:
        return torch.tensor(50.0)


def test_fallback_tau_is_the_first_learnt_temperature_else_the_default():
    model = torch.nn.Module()
    model.loss_heads = torch.nn.ModuleList([torch.nn.Identity()])
    assert fallback_tau(model) == DEFAULT_TAU
    head = torch.nn.Module()
    head.temperature = _Temperature()
    model.loss_heads.append(head)
    assert fallback_tau(model) == pytest.approx(0.02)


def test_ccd_gmm_reads_the_consensus_division_hook_else_rdes_defaults():
    hook = dict(type='amnsfw_rde.ConsensusDivisionHook',
                gmm=dict(max_iter=100, tol=1e-4, reg_covar=1e-6))
    cfg = Config(dict(custom_hooks=[dict(type='Other', gmm=dict()), hook]))
    assert ccd_gmm(cfg) == dict(max_iter=100, tol=1e-4, reg_covar=1e-6)
    assert ccd_gmm(Config(dict(custom_hooks=[]))) == RDE_GMM
    assert ccd_gmm(Config()) == RDE_GMM


def test_loss_signal_is_the_mean_over_heads_and_ccd_the_least_clean():
    rng = np.random.default_rng(0)
    noisy = rng.random(200) < 0.3
    column = np.where(noisy, rng.normal(0.8, 0.05, 200),
                      rng.normal(0.2, 0.05, 200))
    losses = np.stack([column, 2 * column], axis=1)
    assert signal_scores('loss', losses, None, {}, {}) == pytest.approx(
        1.5 * column)
    ccd = signal_scores('ccd', losses, None, {}, {})
    assert ((ccd > 0.5) == noisy).all()


def test_an_unknown_signal_is_refused():
    with pytest.raises(ValueError, match="one of .*got 'entropy'"):
        signal_scores('entropy', np.zeros((2, 1)), None, {}, {})
