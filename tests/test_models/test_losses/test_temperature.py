"""Temperature: s = 1 / tau, fixed or learnt, clamped."""
import math

import pytest
import torch

from amnsfw.models.losses import Temperature


@pytest.mark.parametrize('tau', [1.0, 0.5, 0.02, 0.015])
@pytest.mark.parametrize('learnable', [False, True])
def test_scale_is_inverse_tau(tau, learnable):
    assert Temperature(tau, learnable)().item() == pytest.approx(1 / tau,
                                                                 rel=1e-6)


def test_learnt_scale_is_clamped_at_max_scale():
    temperature = Temperature(0.5, learnable=True, max_scale=10.0)
    with torch.no_grad():
        temperature.log_scale.fill_(math.log(1000.0))
    assert temperature().item() == pytest.approx(10.0, rel=1e-6)
    # Beyond the bound the scale no longer moves with log_scale.
    temperature().backward()
    assert temperature.log_scale.grad.item() == 0
    # Below it, it does.
    temperature = Temperature(0.5, learnable=True, max_scale=10.0)
    temperature().backward()
    assert temperature.log_scale.grad.item() == pytest.approx(2.0)


def test_initial_tau_below_the_bound_is_clamped_when_learnt():
    assert Temperature(0.001, learnable=True)().item() == pytest.approx(100.0)


def test_fixed_tau_is_not_clamped():
    assert Temperature(0.005, learnable=False)().item() == pytest.approx(200.0)


def test_fixed_and_learnt_storage():
    assert [n for n, _ in Temperature(0.1).named_buffers()] == ['log_scale']
    assert list(Temperature(0.1).parameters()) == []
    assert [n for n, _ in Temperature(0.1, True).named_parameters()] == [
        'log_scale']


@pytest.mark.parametrize('tau', [
    0.0, -0.02,
    float('nan')
])
def test_invalid_tau_raises(tau):
    with pytest.raises(ValueError, match='positive'):
        Temperature(tau)
