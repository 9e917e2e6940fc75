"""--resume skips a corrupt newest checkpoint for the previous good one."""
import logging

import pytest
import torch

from amnsfw.engine import load_experiment_config
from amnsfw.engine import resumable_checkpoint as resumable
from amnsfw.engine.resumable_checkpoint import (checkpoint_problem,
                                                resumable_checkpoint,
                                                step_checkpoints)
from amnsfw.errors import CheckpointError


def _work_dir(tmp_path, corrupt_newest):
    """epoch_1 .. epoch_3, last_checkpoint naming epoch_3 (bytes of its
    middle flipped when ``corrupt_newest``), and a weights-only best."""
    for epoch in (1, 2, 3):
        torch.save(dict(state_dict={'w': torch.full((64, ), epoch)},
                        meta=dict(epoch=epoch)),
                   tmp_path / f'epoch_{epoch}.pth')
    torch.save(dict(state_dict={}), tmp_path / 'best_R1_epoch_3.pth')
    newest = tmp_path / 'epoch_3.pth'
    if corrupt_newest:
        data = bytearray(newest.read_bytes())
        middle = len(data) // 2
        data[middle:middle + 64] = bytes(64)
        newest.write_bytes(bytes(data))
    (tmp_path / 'last_checkpoint').write_text(str(newest))
    return newest


def test_problems_found_without_unpickling(tmp_path):
    newest = _work_dir(tmp_path, corrupt_newest=True)
    assert 'CRC' in checkpoint_problem(str(newest)) or 'not a readable' in (
        checkpoint_problem(str(newest)))
    assert checkpoint_problem(str(tmp_path / 'epoch_2.pth')) is None
    assert checkpoint_problem(str(tmp_path / 'nope.pth')) == 'file not found'
    (tmp_path / 'cut.pth').write_bytes(
        (tmp_path / 'epoch_1.pth').read_bytes()[:300])
    assert 'not a readable' in checkpoint_problem(str(tmp_path / 'cut.pth'))
    assert [p.rsplit('/', 1)[1] for p in step_checkpoints(str(tmp_path))] == [
        'epoch_3.pth', 'epoch_2.pth', 'epoch_1.pth']


def test_corrupt_newest_falls_back_with_a_warning(tmp_path, monkeypatch):
    _work_dir(tmp_path, corrupt_newest=True)
    logged = []
    monkeypatch.setattr(
        resumable, 'print_log',
        lambda message, logger, level: logged.append((message, level)))
    chosen = resumable_checkpoint(str(tmp_path))
    assert chosen == str(tmp_path / 'epoch_2.pth')
    (out, level), = logged
    assert level == logging.WARNING
    assert 'epoch_3.pth cannot be loaded' in out
    assert 'resuming from the previous good one' in out
    torch.load(chosen, weights_only=True)


def test_good_newest_is_kept(tmp_path):
    newest = _work_dir(tmp_path, corrupt_newest=False)
    assert resumable_checkpoint(str(tmp_path)) == str(newest)
    assert resumable_checkpoint(str(tmp_path / 'fresh')) is None


def test_no_good_checkpoint_is_an_error(tmp_path):
    newest = _work_dir(tmp_path, corrupt_newest=True)
    for epoch in (1, 2):
        (tmp_path / f'epoch_{epoch}.pth').write_bytes(b'')
    with pytest.raises(CheckpointError, match='cannot resume in .*epoch_3'):
        resumable_checkpoint(str(tmp_path))
    assert newest.exists()  # nothing is deleted


def test_train_tool_config_resumes_from_the_good_one(tmp_path):
    _work_dir(tmp_path, corrupt_newest=True)
    config = tmp_path / 'config.py'
    config.write_text('optim_wrapper = dict()\n')
    cfg = load_experiment_config(str(config), str(tmp_path), resume='auto')
    assert cfg.resume is True
    assert cfg.load_from == str(tmp_path / 'epoch_2.pth')
    with pytest.raises(CheckpointError, match='cannot resume from .*epoch_3'):
        load_experiment_config(str(config), str(tmp_path),
                               resume=str(tmp_path / 'epoch_3.pth'))
