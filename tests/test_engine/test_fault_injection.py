"""Faults during training (beside tests/test_tools/test_resume_after_kill.py):
a full disk while a checkpoint is written, a data loader worker that dies on
a sample."""
import errno
import os

import pytest
import torch
from torch.utils.data import DataLoader

from amnsfw.cli_errors import run_tool
from amnsfw.datasets import CUHKPEDES
from amnsfw.datasets.synthpedes import generate_synthpedes
from amnsfw.engine import atomic_local_backend
from .toy_runner import toy_runner


class _FullDisk:
    """``open`` whose files, when their name contains ``fail_on``, take
    half the data and then raise ``ENOSPC``, as a full disk does."""

    def __init__(self, fail_on: str) -> None:
        self.fail_on = fail_on

    def __call__(self, path, mode='r', *args, **kwargs):
        file = open(path, mode, *args, **kwargs)
        if self.fail_on not in str(path):
            return file
        write = file.write

        def write_half(data):
            write(data[:len(data) // 2])
            raise OSError(errno.ENOSPC, 'No space left on device', path)
        file.write = write_half
        return file


def test_full_disk_while_saving_keeps_the_previous_checkpoint(
        tmp_path, monkeypatch):
    toy_runner(tmp_path).train()
    before = (tmp_path / 'epoch_1.pth').read_bytes()
    monkeypatch.setattr(atomic_local_backend, 'open', _FullDisk('epoch_2'),
                        raising=False)
    with pytest.raises(OSError, match='No space left on device'):
        toy_runner(tmp_path, max_epochs=2, resume=True).train()
    assert (tmp_path / 'last_checkpoint').read_text().strip().endswith(
        'epoch_1.pth')
    assert (tmp_path / 'epoch_1.pth').read_bytes() == before
    assert not (tmp_path / 'epoch_2.pth').exists()
    assert not [n for n in os.listdir(tmp_path) if '.tmp-' in n]
    checkpoint = torch.load(tmp_path / 'epoch_1.pth', weights_only=False)
    assert checkpoint['meta']['epoch'] == 1
    monkeypatch.undo()  # the disk has room again: the resume completes
    toy_runner(tmp_path, max_epochs=2, resume=True).train()
    assert (tmp_path / 'epoch_2.pth').exists()


def test_dying_loader_worker_is_reported_with_its_sample(
        tmp_path, capsys, monkeypatch):
    monkeypatch.delenv('AMNSFW_DEBUG', raising=False)
    root = generate_synthpedes(tmp_path, num_train_ids=2, num_val_ids=1,
                               num_test_ids=1, images_per_id=2).path
    dataset = CUHKPEDES(data_root=root, split='train',
                        image_pipeline=[dict(type='LoadPersonImage')])
    broken = dataset.get_data_info(4)  # pairs 4 and 5 share this image
    with open(broken['img_path'], 'wb') as file:
        file.write(b'\xff\xd8 not really a jpeg')

    def main(argv):
        loader = DataLoader(dataset, batch_size=4, num_workers=1,
                            collate_fn=list)
        for _ in loader:
            pass

    assert run_tool(main, [], prog='train.py') == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    assert err.startswith('train.py: error: cannot load image ')
    assert f'index=4, pid={broken["pid"]}' in err
    assert broken['img_path'] in err and 'not a decodable image' in err
