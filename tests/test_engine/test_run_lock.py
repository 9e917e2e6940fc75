"""Two trainings on one work dir: the second refuses; a killed run's lock is
taken over."""
import json
import os
import socket
import subprocess
import sys
import time

import pytest

from amnsfw.engine import RunLock, RunLockedError
from amnsfw.engine.run_lock import LOCK_NAME
from .toy_runner import toy_runner


def _lock_of(work_dir, pid, host=None):
    work_dir.mkdir(parents=True, exist_ok=True)
    (work_dir / LOCK_NAME).write_text(json.dumps(dict(
        pid=pid, host=host or socket.gethostname(),
        started='2026-01-01T00:00:00')))


@pytest.fixture
def live_process():
    process = subprocess.Popen([sys.executable, '-c',
                                'import time; time.sleep(60)'])
    yield process.pid
    process.kill()
    process.wait()


@pytest.fixture
def dead_pid():
    process = subprocess.Popen([sys.executable, '-c', 'pass'])
    process.wait()
    return process.pid


def test_acquire_writes_owner_and_release_removes(tmp_path):
    lock = RunLock(str(tmp_path))
    lock.acquire()
    owner = lock.owner()
    assert owner['pid'] == os.getpid()
    assert owner['host'] == socket.gethostname() and owner['started']
    lock.release()
    assert not (tmp_path / LOCK_NAME).exists()


def test_second_training_refuses_naming_the_first(tmp_path, live_process):
    _lock_of(tmp_path, live_process)
    runner = toy_runner(tmp_path)
    with pytest.raises(RunLockedError,
                       match=f'in use by another training: process '
                       f'{live_process} on host'):
        runner.train()
    assert not (tmp_path / 'epoch_1.pth').exists()
    assert json.loads((tmp_path / LOCK_NAME).read_text())['pid'] == (
        live_process)


def test_lock_of_another_host_is_taken_only_once_not_refreshed(tmp_path):
    _lock_of(tmp_path, 1, host='elsewhere.example')
    with pytest.raises(RunLockedError, match='on host elsewhere.example'):
        RunLock(str(tmp_path), stale_after=60).acquire()
    an_hour_ago = time.time() - 3600
    os.utime(tmp_path / LOCK_NAME, (an_hour_ago, an_hour_ago))
    lock = RunLock(str(tmp_path), stale_after=60)
    lock.acquire()
    assert lock.owner()['pid'] == os.getpid()
    os.utime(tmp_path / LOCK_NAME, (an_hour_ago, an_hour_ago))
    lock.refresh()
    assert time.time() - os.path.getmtime(tmp_path / LOCK_NAME) < 60


def test_requeued_slurm_job_takes_over_its_own_lock(tmp_path, live_process,
                                                    monkeypatch):
    monkeypatch.setenv('SLURM_JOB_ID', '4242')
    _lock_of(tmp_path, live_process, host='node-a.example')
    (tmp_path / LOCK_NAME).write_text(json.dumps(dict(
        json.loads((tmp_path / LOCK_NAME).read_text()), slurm_job='4242')))
    RunLock(str(tmp_path)).acquire()
    assert json.loads((tmp_path / LOCK_NAME).read_text())['pid'] == (
        os.getpid())


def test_stale_lock_is_taken_over_and_released_after_training(
        tmp_path, dead_pid, capsys):
    _lock_of(tmp_path, dead_pid)
    toy_runner(tmp_path).train()
    assert 'taking over the stale lock' in capsys.readouterr().out
    assert (tmp_path / 'epoch_1.pth').exists()
    assert not (tmp_path / LOCK_NAME).exists()
