"""Config assembly shared by the train and test tools."""
import importlib.util
from pathlib import Path

import pytest

from amnsfw.engine import load_experiment_config

CONFIG = str(Path(__file__).resolve().parents[2] / 'configs' / 'itc' /
             'itc_tinyclip_30e_synthpedes.py')


def backend_types(cfg):
    return [b['type'] for b in cfg.visualizer.vis_backends]


def test_defaults_and_overrides():
    cfg = load_experiment_config(
        CONFIG, cfg_options={'train_cfg.max_epochs': 3})
    assert cfg.work_dir == 'work_dirs/itc_tinyclip_30e_synthpedes'
    assert cfg.train_cfg.max_epochs == 3
    assert cfg.launcher == 'none' and not cfg.resume


@pytest.mark.parametrize('resume, expected', [
    ('auto', (True, None)), ('ckpt.pth', (True, 'ckpt.pth')),
    (None, (False, None))])
def test_resume(resume, expected):
    cfg = load_experiment_config(CONFIG, work_dir='w', resume=resume)
    assert (cfg.resume, cfg.load_from) == expected


def test_amp_switches_the_optim_wrapper():
    cfg = load_experiment_config(CONFIG, amp=True)
    assert cfg.optim_wrapper.type == 'AmpOptimWrapper'
    assert cfg.optim_wrapper.loss_scale == 'dynamic'


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
