"""A run SIGKILLed mid-epoch and resumed with ``tools/train.py --resume``
ends bit-identical to an uninterrupted run.

Tolerance: exact. The final weights are ``torch.equal`` and the last val
metrics equal. What makes it exact (CPU, one thread, 0 workers):

* MMEngine resumes from the last epoch checkpoint: weights, AdamW state,
  the schedulers, the message hub; it re-applies the checkpoint's seed.
* The train sampler (``IdentityBalancedSampler``, like ``DefaultSampler``)
  draws epoch ``e``'s order from ``seed + e`` (``DistSamplerSeedHook``
  calls ``set_epoch``), and its seed is drawn at the same point of both
  runs, right after MMEngine seeds the global generators.
* The global generators (flips, RDE's caption augmentation, dropout) are
  reseeded per epoch by ``EpochSeedHook`` of the default runtime, so
  epoch ``e`` draws the same numbers whether or not a resume came before.
"""
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import torch

from amnsfw.datasets.synthpedes import generate_synthpedes
from amnsfw.testing import quick_run_options

REPO = Path(__file__).resolve().parents[2]
CONFIG = REPO / 'configs' / 'itc' / 'itc_tinyclip_8e_synthpedes.py'
EPOCHS = 3
# 8 train ids x 2 images x 2 captions = 32 pairs: two iterations of 16.
TINY = quick_run_options(batch_size=16, max_epochs=EPOCHS) + [
    'randomness.seed=7'
]
# tools/train.py with a hook that stops in the second epoch, after its first
# iteration, once the first epoch's checkpoint is written.
PAUSING_TRAIN = '''
import sys, time
from mmengine.hooks import Hook
sys.path.insert(0, {tools!r})
import train
from amnsfw.registry import HOOKS

@HOOKS.register_module()
class PauseHook(Hook):
    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None):
        if runner.epoch == 1 and batch_idx == 0:
            open({marker!r}, 'w').close()
            time.sleep(300)

load = train.load_experiment_config
def with_pause(*args, **kwargs):
    cfg = load(*args, **kwargs)
    cfg.custom_hooks = list(cfg.get('custom_hooks', [])) + [
        dict(type='PauseHook')]
    return cfg
train.load_experiment_config = with_pause
train.main(sys.argv[1:])
'''


def train(work_dir: Path,
          cwd: Path,
          *extra: str,
          script=None) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(REPO), OMP_NUM_THREADS='1')
    command = [str(REPO / 'tools' /
                   'train.py')] if script is None else ['-c', script]
    return subprocess.Popen([
        sys.executable, *command,
        str(CONFIG), '--work-dir',
        str(work_dir), *extra, '--cfg-options', *TINY
    ],
                            cwd=cwd,
                            env=env,
                            stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT,
                            text=True)


def finish(process: subprocess.Popen) -> str:
    log, _ = process.communicate(timeout=300)
    assert process.returncode == 0, log[-3000:]
    return log


def last_val_metrics(work_dir: Path) -> dict:
    """The last val entry of the latest run's log (a resumed run logs to a
    new timestamped folder)."""
    latest = sorted(work_dir.glob('*/vis_data/scalars.json'))[-1]
    logs = [json.loads(line) for line in latest.read_text().splitlines()]
    return [entry for entry in logs if 'retrieval/R1' in entry][-1]


def test_resume_after_sigkill_mid_epoch_matches_uninterrupted(tmp_path):
    generate_synthpedes(tmp_path / 'data',
                        num_train_ids=8,
                        num_val_ids=3,
                        num_test_ids=3,
                        images_per_id=2)
    marker = tmp_path / 'paused'
    run_a = train(tmp_path / 'a', tmp_path)
    run_b = train(tmp_path / 'b',
                  tmp_path,
                  script=PAUSING_TRAIN.format(tools=str(REPO / 'tools'),
                                              marker=str(marker)))
    deadline = time.monotonic() + 120
    while not marker.exists():
        assert run_b.poll() is None, run_b.communicate()[0][-3000:]
        assert time.monotonic() < deadline, 'run B never reached epoch 2'
        time.sleep(0.05)
    assert (tmp_path / 'b' / 'epoch_1.pth').is_file()
    assert not (tmp_path / 'b' / 'epoch_2.pth').exists()
    run_b.send_signal(signal.SIGKILL)
    run_b.communicate(timeout=60)
    assert run_b.returncode == -signal.SIGKILL

    log_b = finish(train(tmp_path / 'b', tmp_path, '--resume'))
    finish(run_a)
    assert 'resumed epoch: 1' in log_b, log_b[-3000:]

    final_a = torch.load(tmp_path / 'a' / f'epoch_{EPOCHS}.pth',
                         weights_only=True)
    final_b = torch.load(tmp_path / 'b' / f'epoch_{EPOCHS}.pth',
                         weights_only=True)
    assert final_a['meta']['epoch'] == final_b['meta']['epoch'] == EPOCHS
    weights_a, weights_b = final_a['state_dict'], final_b['state_dict']
    assert weights_a.keys() == weights_b.keys()
    differ = [
        name for name in weights_a
        if not torch.equal(weights_a[name], weights_b[name])
    ]
    assert not differ, differ
    metrics_a = last_val_metrics(tmp_path / 'a')
    metrics_b = last_val_metrics(tmp_path / 'b')
    assert metrics_a['step'] == metrics_b['step'] == EPOCHS
    for name in ('retrieval/R1', 'retrieval/mAP', 'retrieval/mINP'):
        assert metrics_a[name] == metrics_b[name], name
