"""``runner_type='FlexibleRunner'`` with MMEngine's FSDPStrategy: two CPU
processes over gloo, full-state checkpoints, the best one tested after."""
import os
import subprocess
import sys
from pathlib import Path

import torch

from amnsfw.datasets.synthpedes import generate_synthpedes
from amnsfw.testing import quick_run_options

REPO = Path(__file__).resolve().parents[2]
CONFIG = REPO / 'configs' / 'itc' / 'itc_tinyclip_8e_synthpedes.py'
# On CPUs FSDP needs device_id='cpu' (MMEngine passes LOCAL_RANK, a CUDA
# index) and no 0-d parameters (hence a fixed ITC temperature). 'full'
# state dicts are plain tensors, which weights_only loading accepts; the
# default 'local' shards pickle ShardedTensor objects, which it refuses.
FSDP_ON_CPU = [
    'runner_type=FlexibleRunner', 'strategy.type=FSDPStrategy',
    'strategy.state_dict_cfg=full',
    'strategy.model_wrapper.type=MMFullyShardedDataParallel',
    'strategy.model_wrapper.device_id=cpu',
    'model.loss_heads.0.learnable_tau=False'
]


def test_fsdp_training_and_best_checkpoint_test_on_cpu(tmp_path):
    generate_synthpedes(tmp_path / 'data',
                        num_train_ids=4,
                        num_val_ids=3,
                        num_test_ids=3,
                        images_per_id=3)
    options = quick_run_options(batch_size=8)
    env = dict(os.environ,
               OMP_NUM_THREADS='1',
               PORT='29519',
               PYTHON=sys.executable)
    work = tmp_path / 'work'
    result = subprocess.run([
        'bash',
        str(REPO / 'tools' / 'dist_train.sh'),
        str(CONFIG), '2', '--work-dir',
        str(work), '--test-best', '--cfg-options', *options, *FSDP_ON_CPU
    ],
                            cwd=tmp_path,
                            env=env,
                            capture_output=True,
                            text=True,
                            timeout=300)
    log = result.stdout + result.stderr
    assert result.returncode == 0, log[-3000:]
    assert 'Distributed training: True' in log
    assert 'Epoch(val)' in log and 'Epoch(test)' in log
    assert 'testing the best val checkpoint' in log
    # One full checkpoint (gathered on rank 0), loadable without FSDP. The
    # first val score is a new best, so epoch_1.pth was re-saved after the
    # epoch counter moved on: its meta must still say epoch 1 (MMEngine's
    # FlexibleRunner alone would write 2, and a resume would skip an epoch).
    checkpoint = torch.load(work / 'epoch_1.pth', weights_only=True)
    assert checkpoint['meta']['epoch'] == 1
    assert any(
        name.startswith('image_encoder.') for name in checkpoint['state_dict'])
    assert (work / 'last_checkpoint').read_text() == str(work / 'epoch_1.pth')
