"""tools/train.py and tools/test.py on a tiny SynthPEDES, as a user runs
them."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from amnsfw.datasets.synthpedes import generate_synthpedes
from amnsfw.testing import quick_run_options

REPO = Path(__file__).resolve().parents[2]
CONFIG = REPO / 'configs' / 'itc' / 'itc_tinyclip_8e_synthpedes.py'
# 8 train ids x 2 images x 2 captions = 32 pairs: two iterations of 16.
TINY = quick_run_options(batch_size=16)


@pytest.fixture(scope='module')
def workspace(tmp_path_factory) -> Path:
    """A folder holding ``data/SynthPEDES`` (the path the config reads)."""
    root = tmp_path_factory.mktemp('workspace')
    generate_synthpedes(root / 'data', num_train_ids=8, num_val_ids=3,
                        num_test_ids=3, images_per_id=2)
    return root


def run_tool(tool: str, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    return subprocess.run(
        [sys.executable, str(REPO / 'tools' / tool), *args], cwd=cwd,
        env=env, capture_output=True, text=True, timeout=300)


def test_train_two_iterations_then_test(workspace):
    work_dir = workspace / 'work'
    out = workspace / 'test_metrics.json'
    result = run_tool('train.py', str(CONFIG), '--work-dir', str(work_dir),
                      '--test-best', '--out', str(out), '--cfg-options',
                      *TINY, cwd=workspace)
    assert result.returncode == 0, result.stderr[-3000:]
    assert 'Epoch(train) [1][2/2]' in result.stderr + result.stdout
    best = sorted(work_dir.glob('best_retrieval_R1_epoch_1.pth'))
    assert best, list(work_dir.iterdir())
    # MMEngine's JSON log holds the val metrics; the test ran once after.
    logs = [json.loads(line) for line in
            next(work_dir.glob('*/vis_data/scalars.json')).read_text()
            .splitlines()]
    val = [entry['retrieval/R1'] for entry in logs if 'retrieval/R1' in entry]
    assert len(val) == 1 and 0.0 <= val[0] <= 100.0
    assert (result.stderr + result.stdout).count('Epoch(test)') == 1
    metrics = json.loads(out.read_text())
    assert set(metrics) >= {'retrieval/R1', 'retrieval/mAP', 'retrieval/mINP'}

    result = run_tool('test.py', str(CONFIG), str(best[0]), '--work-dir',
                      str(workspace / 'test'), '--cfg-options', *TINY,
                      cwd=workspace)
    assert result.returncode == 0, result.stderr[-3000:]
    assert 'Epoch(test)' in result.stderr + result.stdout


def test_unknown_config_key_type_is_a_clear_error(workspace):
    result = run_tool('train.py', str(CONFIG), '--work-dir',
                      str(workspace / 'bad'), '--cfg-options', *TINY,
                      'model.loss_heads.0.type=ITCLos', cwd=workspace)
    assert result.returncode == 2, result.stderr[-3000:]
    assert 'Traceback' not in result.stderr
    assert "unknown loss 'ITCLos'" in result.stderr
    assert 'Closest known names: ITCLoss' in result.stderr


def test_unknown_component_argument_is_a_clear_error(workspace):
    result = run_tool('train.py', str(CONFIG), '--work-dir',
                      str(workspace / 'bad_arg'), '--cfg-options', *TINY,
                      'model.loss_heads.0.temprature=0.02', cwd=workspace)
    assert result.returncode == 2, result.stderr[-3000:]
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith('train.py: error: ITCLoss '), last
    assert "has no argument 'temprature'" in last
    assert 'Traceback' not in result.stderr
