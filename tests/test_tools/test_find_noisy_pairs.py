"""tools/find_noisy_pairs.py: the command line of
:func:`amnsfw.analysis.find_noisy_pairs` (tested in tests/test_analysis)."""
import os
import subprocess
import sys
from pathlib import Path

import torch
from mmengine.config import Config

from amnsfw.registry import MODELS

REPO = Path(__file__).resolve().parents[2]
TOOL = REPO / 'tools' / 'find_noisy_pairs.py'
CONFIG = REPO / 'configs' / 'itc' / 'itc_tinyclip_8e_synthpedes.py'


def run_tool(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(TOOL), *args], cwd=cwd, capture_output=True,
        text=True, timeout=300,
        env=dict(os.environ, PYTHONPATH=str(REPO), OMP_NUM_THREADS='1'))


def test_cli_ranks_the_pairs_and_prints_the_detection_metrics(
        tiny_synthpedes, tmp_path):
    (tmp_path / 'data').symlink_to(tiny_synthpedes.parent)
    torch.manual_seed(0)
    model = MODELS.build(Config.fromfile(CONFIG).model)
    torch.save({'state_dict': model.state_dict(), 'meta': {}},
               tmp_path / 'itc.pth')
    result = run_tool(str(CONFIG), 'itc.pth', '--signal', 'rank', '--top',
                      '3', '--num-workers', '0', '--out-dir', 'out',
                      '--cfg-options',
                      'train_dataloader.dataset.noise_rate=0.5',
                      cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    assert 'scored 32 training pairs by rank; top 3:' in result.stdout
    assert 'injected noise: 16 of 32 pairs; precision@3' in result.stdout
    assert 'results written to out' in result.stdout
    assert {path.name for path in (tmp_path / 'out').iterdir()} == {
        'suspects.csv', 'suspects.html', 'metrics.json'}


def test_cli_reports_a_missing_checkpoint(tmp_path):
    result = run_tool(str(CONFIG), 'nowhere.pth', '--out-dir', 'none',
                      cwd=tmp_path)
    assert result.returncode != 0
    assert ('find_noisy_pairs.py: error: checkpoint file not found: '
            'nowhere.pth') in result.stderr
    assert not (tmp_path / 'none').exists()

