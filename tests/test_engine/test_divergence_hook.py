"""A diverging run stops, naming iteration, loss term and samples, and keeps
its last good checkpoint the newest."""
import re
from types import SimpleNamespace

import pytest
import torch
from mmengine.logging import MessageHub, MMLogger

from amnsfw.engine import DivergenceHook, TrainingDivergedError
from amnsfw.engine.divergence_hook import batch_indices
from .toy_runner import ToyModel, toy_runner


def _last_checkpoint(work_dir):
    return (work_dir / 'last_checkpoint').read_text().strip()


def test_nan_loss_stops_before_a_checkpoint(tmp_path):
    # Iteration 3 is the first of epoch 2: epoch 1's checkpoint exists.
    runner = toy_runner(tmp_path, ToyModel(break_at=3), max_epochs=2)
    with pytest.raises(TrainingDivergedError) as info:
        runner.train()
    message = str(info.value)
    assert 'training diverged at iteration 3 (epoch 2, batch 1)' in message
    assert "loss term 'loss' is nan" in message
    assert 'batch sample indices: [0, 1, 2, 3]' in message
    assert _last_checkpoint(tmp_path).endswith('epoch_1.pth')
    assert 'epoch_1.pth' in message
    assert not (tmp_path / 'epoch_2.pth').exists()
    torch.load(_last_checkpoint(tmp_path), weights_only=False)


def test_nan_gradient_names_the_weight(tmp_path):
    runner = toy_runner(tmp_path, ToyModel(break_at=2, break_what='grad'))
    with pytest.raises(TrainingDivergedError,
                       match=r"iteration 2 .*weight 'linear\.bias' became "
                       r'non-finite.*indices: \[4, 5, 6, 7\]'):
        runner.train()
    assert not (tmp_path / 'epoch_1.pth').exists()


def test_a_finite_run_trains_as_without_the_hook(tmp_path):
    runner = toy_runner(tmp_path / 'a', max_epochs=2)
    runner.train()
    # The same run without the hook: the same weights, bit for bit.
    plain = toy_runner(tmp_path / 'b', max_epochs=2)
    plain._hooks = [h for h in plain._hooks
                    if not isinstance(h, DivergenceHook)]
    plain.train()
    for (name, a), b in zip(runner.model.state_dict().items(),
                            plain.model.state_dict().values()):
        assert torch.equal(a, b), name


class _Scaler:
    def __init__(self, scales):
        self.scales = iter(scales)

    def get_scale(self):
        return next(self.scales)


def _amp_runner(scales, name):
    return SimpleNamespace(
        optim_wrapper=SimpleNamespace(loss_scaler=_Scaler(scales)),
        iter=0, epoch=0, logger=MMLogger.get_current_instance(),
        message_hub=MessageHub.get_instance(name))


def test_amp_skipped_steps_are_counted_then_stop_the_run():
    # The scale halves on a skipped step: iterations 2 and 4 are skipped.
    hook = DivergenceHook(max_skipped_fraction=0.4, min_iters=5)
    runner = _amp_runner([8.0, 4.0, 4.0, 2.0, 2.0, 1.0], 'amp_count')
    for i in range(4):
        runner.iter = i
        # A non-finite loss under a scaler is the scaler's to skip.
        hook.after_train_iter(runner, i, outputs=dict(
            loss=torch.tensor(float('inf'))))
    assert hook.skipped_steps == 2
    assert runner.message_hub.get_scalar(
        'train/amp_skipped_steps').current() == 2
    runner.iter = 4
    hook.after_train_iter(runner, 4)  # 2 of 5: 40 %, not more
    assert hook.skipped_steps == 2
    runner.iter = 5
    with pytest.raises(TrainingDivergedError,
                       match=re.escape('skipped 3 of 6 steps (50%')):
        hook.after_train_iter(runner, 5)


def test_batch_indices_of_a_person_search_batch():
    batch = dict(data_samples=dict(image_index=torch.tensor([4, 9]),
                                   text_index=torch.tensor([4, 9]),
                                   text_pids=torch.tensor([1, 2])))
    assert batch_indices(batch) == [4, 9]
    assert batch_indices(None) == []
