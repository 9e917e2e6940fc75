"""Resuming from a checkpoint of another model names the mismatching keys."""
import pytest
import torch

from amnsfw.engine.checkpoint_match_hook import state_dict_mismatch
from amnsfw.errors import CheckpointError
from .toy_runner import ToyModel, toy_runner


def test_state_dict_mismatch_names_first_keys():
    model = {'a.weight': torch.zeros(2, 3), 'b.bias': torch.zeros(1),
             'c.weight': torch.zeros(1)}
    checkpoint = {'module.a.weight': torch.zeros(2, 4),
                  'b.bias': torch.zeros(1), 'd.weight': torch.zeros(1)}
    assert state_dict_mismatch(checkpoint, model) == [
        'the model has keys the checkpoint lacks: c.weight',
        'the checkpoint has keys the model lacks: d.weight',
        'shapes differ (checkpoint vs model): a.weight (2, 4) vs (2, 3)']
    assert state_dict_mismatch(model, model) == []


def test_resume_with_another_model_stops(tmp_path):
    toy_runner(tmp_path).train()
    runner = toy_runner(tmp_path, ToyModel(in_features=3, extra=True),
                        max_epochs=2, resume=True)
    with pytest.raises(CheckpointError) as info:
        runner.train()
    message = str(info.value)
    assert 'does not fit the config\'s model' in message
    assert 'keys the checkpoint lacks: extra.weight, extra.bias' in message
    assert 'linear.weight (1, 2) vs (1, 3)' in message
    assert not (tmp_path / 'epoch_2.pth').exists()


def test_resume_with_the_same_model_continues(tmp_path):
    toy_runner(tmp_path).train()
    toy_runner(tmp_path, max_epochs=2, resume=True).train()
    assert (tmp_path / 'epoch_2.pth').exists()
