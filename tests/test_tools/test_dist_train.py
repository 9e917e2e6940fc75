"""tools/dist_train.sh: two processes on the CPU over gloo, as CI runs it."""
import json
import os
import subprocess
from pathlib import Path

from amnsfw.datasets.synthpedes import generate_synthpedes
from amnsfw.testing import quick_run_options

REPO = Path(__file__).resolve().parents[2]
CONFIG = REPO / 'configs' / 'itc' / 'itc_tinyclip_8e_synthpedes.py'


def test_two_process_training_and_evaluation_on_cpu(tmp_path):
    # 3 images per person: 9 gallery images + 18 queries = 27 eval items,
    # so the distributed sampler pads one; the metric refuses any item
    # counted twice or missing, so passing means each was counted once.
    generate_synthpedes(tmp_path / 'data', num_train_ids=4, num_val_ids=3,
                        num_test_ids=3, images_per_id=3)
    options = quick_run_options(batch_size=8)
    env = dict(os.environ, OMP_NUM_THREADS='1', PORT='29517',
               PYTHON=str(Path(os.sys.executable)))
    result = subprocess.run(
        ['bash', str(REPO / 'tools' / 'dist_train.sh'), str(CONFIG), '2',
         '--work-dir', str(tmp_path / 'work'), '--test-best',
         '--cfg-options', *options],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    log = result.stdout + result.stderr
    assert result.returncode == 0, log[-3000:]
    assert 'Distributed training: True' in log
    assert 'GPU number: 2' in log
    assert "type='CPUDistributedDataParallel'" in log
    assert log.count('Epoch(val)') >= 1 and 'Epoch(test)' in log

    # The best checkpoint tested by 2 processes and by 1 gives the same
    # metrics: each query and gallery image counted once either way.
    checkpoint = str(next((tmp_path / 'work').glob('best_*.pth')))
    metrics = {}
    for launch in ('dist', 'single'):
        out = tmp_path / f'{launch}.json'
        tool = (['bash', str(REPO / 'tools' / 'dist_test.sh'), str(CONFIG),
                 checkpoint, '2'] if launch == 'dist' else
                [os.sys.executable, str(REPO / 'tools' / 'test.py'),
                 str(CONFIG), checkpoint])
        result = subprocess.run(
            [*tool, '--work-dir', str(tmp_path / launch), '--out', str(out),
             '--cfg-options', *options],
            cwd=tmp_path, env=dict(env, PYTHONPATH=str(REPO)),
            capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
        metrics[launch] = json.loads(out.read_text())
    assert metrics['dist'].keys() == metrics['single'].keys()
    for name, value in metrics['single'].items():
        assert abs(metrics['dist'][name] - value) <= 0.01, name
