"""Compatibility fixes: weights-only resume and ``package::`` config bases."""
import sys

import pytest
import torch
from mmengine.config import Config
from mmengine.model import BaseModel
from mmengine.runner import Runner
from torch import nn

from amnsfw import compat


class ToyRegressor(BaseModel):

    def __init__(self) -> None:
        super().__init__()
        self.linear = nn.Linear(2, 1)

    def forward(self, inputs, targets=None, mode='tensor'):
        outputs = self.linear(inputs).squeeze(-1)
        if mode == 'loss':
            return {'loss': ((outputs - targets)**2).mean()}
        return outputs


def make_runner(work_dir, max_epochs: int, resume: bool = False) -> Runner:
    torch.manual_seed(0)  # the model is initialised before the runner seeds
    generator = torch.Generator().manual_seed(0)
    data = [
        dict(inputs=torch.randn(2, generator=generator),
             targets=torch.randn((), generator=generator)) for _ in range(16)
    ]
    return Runner(
        model=ToyRegressor(),
        work_dir=str(work_dir),
        train_dataloader=dict(
            dataset=data, batch_size=4,
            sampler=dict(type='DefaultSampler', shuffle=True),
            collate_fn=dict(type='default_collate')),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.1, momentum=0.9)),
        param_scheduler=dict(
            type='StepLR', step_size=1, by_epoch=True, begin=0, end=2),
        train_cfg=dict(by_epoch=True, max_epochs=max_epochs),
        default_hooks=dict(checkpoint=dict(type='CheckpointHook', interval=1)),
        randomness=dict(seed=0),
        resume=resume,
        default_scope='mmengine')


def test_runner_resumes_with_weights_only_load(tmp_path):
    straight = make_runner(tmp_path / 'straight', max_epochs=2)
    straight.train()
    make_runner(tmp_path / 'split', max_epochs=1).train()
    resumed = make_runner(tmp_path / 'split', max_epochs=2, resume=True)
    resumed.train()
    assert resumed.epoch == 2
    for (name, a), (_, b) in zip(straight.model.state_dict().items(),
                                 resumed.model.state_dict().items()):
        assert torch.allclose(a, b), name
    # The checkpoint really needs the allow-list, and it is enough.
    checkpoint = tmp_path / 'split' / 'epoch_1.pth'
    torch.serialization.clear_safe_globals()
    try:
        needed = set(torch.serialization.get_unsafe_globals_in_checkpoint(
            str(checkpoint)))
    finally:
        torch.serialization.add_safe_globals(
            compat.mmengine_checkpoint_globals())
    allowed = {name for _, name in compat.mmengine_checkpoint_globals()}
    assert 'mmengine.logging.history_buffer.HistoryBuffer' in needed
    assert needed <= allowed
    torch.load(checkpoint, weights_only=True)


def test_package_config_base_without_pkg_resources(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, 'pkg_resources', None)
    config = tmp_path / 'inherits_package_base.py'
    config.write_text("_base_ = 'mmpretrain::_base_/default_runtime.py'\n"
                      "seed = 3\n")
    cfg = Config.fromfile(str(config))
    assert cfg.seed == 3
    assert cfg.default_hooks.checkpoint.type == 'CheckpointHook'


def test_unknown_package_base_is_a_clear_error(tmp_path):
    config = tmp_path / 'bad_base.py'
    config.write_text("_base_ = 'no_such_package_xyz::configs/a.py'\n")
    with pytest.raises(Exception, match='no_such_package_xyz'):
        Config.fromfile(str(config))
