"""EMAMomentumHook: the cosine momentum schedule and the EMA steps it takes."""
import math
from types import SimpleNamespace

import pytest
import torch
from mmengine.hooks import Hook
from torch import nn

from amnsfw.plugin_api import MODELS
from amnsfw.testing import tiny_retriever_config
from amnsfw_amns.hooks import EMAMomentumHook
from amnsfw_amns.maskers import AttentionWeightedMasker


@pytest.fixture
def model(tmp_path):
    torch.manual_seed(0)
    return MODELS.build(tiny_retriever_config(
        tmp_path, loss_heads=[dict(type='SDMLoss', tau=0.02)],
        masker=dict(type=AttentionWeightedMasker)))


def perturb(module, amount=1.0):
    with torch.no_grad():
        for p in module.parameters():
            p.add_(amount * torch.randn_like(p))


def parameters(module):
    return {name: p.detach().clone() for name, p in module.named_parameters()}


def test_momentum_schedule():
    hook = EMAMomentumHook(start=0.996, end=1.0)
    assert hook.momentum(0, 100) == pytest.approx(0.996)
    assert hook.momentum(50, 100) == pytest.approx(0.998)
    assert hook.momentum(100, 100) == pytest.approx(1.0)
    assert hook.momentum(25, 100) == pytest.approx(
        1.0 - 0.004 * (math.cos(math.pi / 4) + 1) / 2)
    schedule = [hook.momentum(k, 100) for k in range(101)]
    assert all(b >= a for a, b in zip(schedule, schedule[1:]))
    assert EMAMomentumHook(start=0.9, end=0.9).momentum(7, 10) == \
        pytest.approx(0.9)


def test_a_hook_of_normal_priority():
    hook = EMAMomentumHook()
    assert isinstance(hook, Hook) and hook.priority == 'NORMAL'
    with pytest.raises(ValueError, match='start <= end'):
        EMAMomentumHook(start=1.0, end=0.99)


def test_after_a_step_the_ema_follows_the_formula(model):
    hook = EMAMomentumHook(start=0.9, end=1.0)
    runner = SimpleNamespace(model=model, iter=2, max_iters=10)
    perturb(model.image_encoder)
    before = parameters(model.masker.ema_encoder)
    hook.after_train_iter(runner, batch_idx=2)
    momentum = 1.0 - 0.1 * (math.cos(math.pi * 3 / 10) + 1) / 2
    assert model.masker.momentum.item() == pytest.approx(momentum)
    for name, p in model.image_encoder.named_parameters():
        expected = momentum * before[name] + (1 - momentum) * p
        assert torch.allclose(
            model.masker.ema_encoder.get_parameter(name), expected)
        assert not torch.allclose(expected, before[name])


def test_the_last_step_leaves_the_ema_in_place(model):
    runner = SimpleNamespace(model=model, iter=9, max_iters=10)
    perturb(model.image_encoder)
    before = parameters(model.masker.ema_encoder)
    EMAMomentumHook().after_train_iter(runner, batch_idx=0)
    for name, p in model.masker.ema_encoder.named_parameters():
        assert torch.equal(p, before[name])


def test_training_from_scratch_resets_the_ema(model):
    hook = EMAMomentumHook()
    perturb(model.image_encoder)  # as a load_from would
    online = parameters(model.image_encoder)
    hook.before_train(SimpleNamespace(model=model, iter=5, max_iters=10))
    ema = model.masker.ema_encoder
    assert not torch.equal(ema.projection.weight, online['projection.weight'])
    hook.before_train(SimpleNamespace(model=model, iter=0, max_iters=10))
    for name, p in ema.named_parameters():
        assert torch.equal(p, online[name])


def test_a_wrapped_model_is_unwrapped(model):
    runner = SimpleNamespace(model=nn.DataParallel(model), iter=0,
                             max_iters=4)
    perturb(model.image_encoder)
    before = parameters(model.masker.ema_encoder)
    EMAMomentumHook(start=0.5, end=0.5).after_train_iter(runner, batch_idx=0)
    ema = model.masker.ema_encoder.projection.weight
    assert torch.allclose(ema, 0.5 * before['projection.weight']
                          + 0.5 * model.image_encoder.projection.weight)


def test_a_model_without_an_ema_masker_is_refused(model):
    model.masker = nn.Identity()
    runner = SimpleNamespace(model=model, iter=0, max_iters=4)
    with pytest.raises(ValueError, match='no module with update_ema'):
        EMAMomentumHook().before_train(runner)
