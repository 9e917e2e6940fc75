"""Checkpoints survive a SIGKILL at any instant of their writing."""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
from mmengine.fileio import get_file_backend
from mmengine.runner.checkpoint import find_latest_checkpoint

from amnsfw.engine import AtomicLocalBackend, atomic_write
from amnsfw.engine.atomic_local_backend import remove_stale_temp_files

REPO = Path(__file__).resolve().parents[2]
# Trains a toy model for 2 epochs with the default runtime's checkpoint hook
# (max_keep_ckpts=1, so epoch 2's save makes epoch_1.pth outdated). The
# COUNT-th write of STALL (a file name) is cut in the middle: half the bytes
# reach the temporary file, then the process waits to be killed.
TRAIN = '''
import sys, time
import torch
from mmengine.model import BaseModel
from mmengine.runner import Runner
import amnsfw.engine.atomic_local_backend as atomic

STALL, COUNT, WORK_DIR = sys.argv[1], int(sys.argv[2]), sys.argv[3]
opened = []

class HalfWrite:
    def __init__(self, file):
        self.file = file
    def write(self, data):
        self.file.write(memoryview(data)[:len(data) // 2])
        self.file.flush()
        print('STALLED', flush=True)
        time.sleep(300)
    def __getattr__(self, name):
        return getattr(self.file, name)
    def __enter__(self):
        return self
    def __exit__(self, *args):
        return self.file.__exit__(*args)

def stalling_open(path, mode='r', *args, **kwargs):
    file = open(path, mode, *args, **kwargs)
    if STALL + '.tmp-' in str(path):
        opened.append(path)
        if len(opened) == COUNT:
            return HalfWrite(file)
    return file

atomic.open = stalling_open

class Toy(BaseModel):
    def __init__(self):
        super().__init__()
        self.linear = torch.nn.Linear(512, 512)  # a 1 MB checkpoint
    def forward(self, inputs, data_samples=None, mode='tensor'):
        out = self.linear(inputs)
        return {'loss': out.pow(2).mean()} if mode == 'loss' else out

class Data(torch.utils.data.Dataset):
    def __len__(self):
        return 4
    def __getitem__(self, index):
        return dict(inputs=torch.full((512, ), float(index)))

Runner(
    model=Toy(), work_dir=WORK_DIR, default_scope='amnsfw',
    train_dataloader=dict(
        dataset=Data(), batch_size=2, num_workers=0,
        sampler=dict(type='DefaultSampler', shuffle=False),
        collate_fn=dict(type='default_collate')),
    train_cfg=dict(by_epoch=True, max_epochs=2),
    optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.01)),
    default_hooks=dict(checkpoint=dict(type='AtomicCheckpointHook',
                                       interval=1, max_keep_ckpts=1)),
).train()
print('FINISHED', flush=True)
'''


def run_until_stalled(stall: str, count: int, work_dir: Path) -> None:
    """Train the toy until its ``count``-th write of ``stall`` is half done,
    then SIGKILL it."""
    process = subprocess.Popen(
        [sys.executable, '-c', TRAIN, stall,
         str(count),
         str(work_dir)],
        env=dict(os.environ, OMP_NUM_THREADS='1', PYTHONPATH=str(REPO)),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True)
    lines = []
    deadline = time.monotonic() + 120
    for line in process.stdout:
        lines.append(line)
        if line.startswith('STALLED') or time.monotonic() > deadline:
            break
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=60)
    assert lines and lines[-1].startswith('STALLED'), ''.join(lines)[-3000:]


def test_kill_mid_checkpoint_write_keeps_the_previous_one(tmp_path):
    run_until_stalled('epoch_2.pth', 1, tmp_path)
    # The new checkpoint exists only as a half-written temporary file.
    temp = list(tmp_path.glob('epoch_2.pth.tmp-*'))
    assert len(temp) == 1 and temp[0].stat().st_size > 0
    assert not (tmp_path / 'epoch_2.pth').exists()
    with pytest.raises(Exception):
        torch.load(temp[0], weights_only=True)
    # The pointer still names epoch 1, which was not pruned yet and loads
    # with weights_only (amnsfw.compat's allow-list).
    latest = find_latest_checkpoint(str(tmp_path))
    assert latest == str(tmp_path / 'epoch_1.pth')
    checkpoint = torch.load(latest, weights_only=True)
    assert checkpoint['meta']['epoch'] == 1
    assert checkpoint['state_dict']['linear.weight'].shape == (512, 512)


def test_kill_mid_pointer_write_keeps_a_complete_pointer(tmp_path):
    run_until_stalled('last_checkpoint', 2, tmp_path)
    # Epoch 2 is complete; the pointer, caught mid-write to it, still names
    # the previous checkpoint in full, and that checkpoint is still there.
    assert torch.load(tmp_path / 'epoch_2.pth',
                      weights_only=True)['meta']['epoch'] == 2
    assert list(tmp_path.glob('last_checkpoint.tmp-*'))
    latest = find_latest_checkpoint(str(tmp_path))
    assert latest == str(tmp_path / 'epoch_1.pth')
    assert torch.load(latest, weights_only=True)['meta']['epoch'] == 1


def test_local_paths_use_the_atomic_backend(tmp_path):
    backend = get_file_backend(str(tmp_path / 'a.pth'))
    assert isinstance(backend, AtomicLocalBackend)
    backend.put(b'old', tmp_path / 'a.pth')
    backend.put(b'new', tmp_path / 'a.pth')
    backend.put_text('pointer', tmp_path / 'sub' / 'last_checkpoint')
    assert (tmp_path / 'a.pth').read_bytes() == b'new'
    assert (tmp_path / 'sub' / 'last_checkpoint').read_text() == 'pointer'
    assert sorted(path.name for path in tmp_path.iterdir()) == ['a.pth', 'sub']


def test_failed_write_leaves_the_old_file_and_no_temp(tmp_path):
    path = tmp_path / 'epoch_1.pth'
    atomic_write(b'complete', path)

    with pytest.raises(TypeError):
        atomic_write(object(), path)
    assert path.read_bytes() == b'complete'
    assert list(tmp_path.iterdir()) == [path]


def test_stale_temp_files_of_other_processes_are_removed(tmp_path):
    (tmp_path / 'epoch_3.pth.tmp-12345').write_bytes(b'half')
    own = tmp_path / f'epoch_4.pth.tmp-{os.getpid()}'
    own.write_bytes(b'mine')
    (tmp_path / 'epoch_2.pth').write_bytes(b'kept')
    (tmp_path / 'notes.tmp-old').write_bytes(b'kept: no pid')
    removed = remove_stale_temp_files(tmp_path)
    assert removed == [str(tmp_path / 'epoch_3.pth.tmp-12345')]
    assert sorted(path.name for path in tmp_path.iterdir()) == [
        'epoch_2.pth', own.name, 'notes.tmp-old'
    ]
