"""Config assembly shared by the train and test tools."""
import importlib.util
from pathlib import Path

import pytest
import torch

from amnsfw.engine import CPUAmpOptimWrapper, load_experiment_config

CONFIG = str(Path(__file__).resolve().parents[2] / 'configs' / 'itc' /
             'itc_tinyclip_8e_synthpedes.py')


def backend_types(cfg):
    return [b['type'] for b in cfg.visualizer.vis_backends]


def test_defaults_and_overrides():
    cfg = load_experiment_config(
        CONFIG, cfg_options={'train_cfg.max_epochs': 3})
    assert cfg.work_dir == 'work_dirs/itc_tinyclip_8e_synthpedes'
    assert cfg.train_cfg.max_epochs == 3
    assert cfg.launcher == 'none' and not cfg.resume


@pytest.mark.parametrize('resume, expected', [
    ('auto', (True, None)), ('ckpt.pth', (True, 'ckpt.pth')),
    (None, (False, None))])
def test_resume(resume, expected, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    torch.save({}, 'ckpt.pth')
    cfg = load_experiment_config(CONFIG, work_dir='w', resume=resume)
    assert (cfg.resume, cfg.load_from) == expected


@pytest.mark.parametrize('amp, dtype', [('bf16', 'bfloat16'),
                                        ('fp16', 'float16')])
def test_amp_on_a_gpu_uses_mmengines_wrapper(monkeypatch, amp, dtype):
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: True)
    cfg = load_experiment_config(CONFIG, amp=amp)
    assert cfg.optim_wrapper.type == 'AmpOptimWrapper'
    assert cfg.optim_wrapper.dtype == dtype
    assert cfg.optim_wrapper.loss_scale == 'dynamic'


def test_amp_on_a_cpu_is_bf16_autocast(monkeypatch):
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: False)
    cfg = load_experiment_config(CONFIG, amp='bf16')
    assert cfg.optim_wrapper.type == 'CPUAmpOptimWrapper'
    with pytest.raises(ValueError, match='fp16 mixed precision needs a GPU'):
        load_experiment_config(CONFIG, amp='fp16')
    with pytest.raises(ValueError, match="amp must be one of"):
        load_experiment_config(CONFIG, amp='int8')


def test_cpu_amp_wrapper_autocasts_in_bf16_and_keeps_fp32_weights():
    model = torch.nn.Linear(4, 2)
    wrapper = CPUAmpOptimWrapper(
        optimizer=torch.optim.SGD(model.parameters(), lr=0.1))
    with wrapper.optim_context(model):
        out = model(torch.randn(3, 4))
    assert out.dtype == torch.bfloat16
    wrapper.update_params(out.float().pow(2).sum())
    assert model.weight.dtype == torch.float32
    with pytest.raises(ValueError, match="supports only 'bfloat16'"):
        CPUAmpOptimWrapper(dtype='float16', optimizer=torch.optim.SGD(
            model.parameters(), lr=0.1))


def test_tensorboard_only_when_installed(monkeypatch):
    real_find_spec = importlib.util.find_spec

    def find_spec(name, *args):
        return object() if name == 'tensorboard' else real_find_spec(
            name, *args)

    monkeypatch.setattr(importlib.util, 'find_spec', find_spec)
    cfg = load_experiment_config(CONFIG)
    assert backend_types(cfg) == ['LocalVisBackend', 'TensorboardVisBackend']

    monkeypatch.setattr(
        importlib.util, 'find_spec',
        lambda name, *args: None if name == 'tensorboard' else
        real_find_spec(name, *args))
    assert backend_types(load_experiment_config(CONFIG)) == [
        'LocalVisBackend']
