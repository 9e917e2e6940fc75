"""tools/synthpedes_demo.py, the README's main job, cut to one short epoch."""
import os
import subprocess
import sys
from pathlib import Path

from amnsfw.testing import quick_run_options

REPO = Path(__file__).resolve().parents[2]


def test_main_job_prints_zero_shot_fine_tuned_oracle_and_chance(tmp_path):
    env = dict(os.environ, PYTHONPATH=str(REPO))
    options = quick_run_options(batch_size=16) + [
        'train_dataloader.dataset.indices=64']
    result = subprocess.run(
        [sys.executable, str(REPO / 'tools' / 'synthpedes_demo.py'),
         '--config', str(REPO / 'configs/itc/itc_tinyclip_8e_synthpedes.py'),
         '--work-dir', str(tmp_path / 'work'), '--cfg-options', *options],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    rows = {line.split()[0]: line.split()[1:]
            for line in result.stdout.splitlines() if line.strip()}
    assert rows['oracle'][0] == '66.19' and rows['chance'][0] == '0.50'
    zero_shot = [float(value) for value in rows['zero-shot']]
    fine_tuned = [float(value) for value in rows['fine-tuned']]
    assert len(zero_shot) == len(fine_tuned) == 5
    # The pretrained towers alone rank far above chance.
    assert zero_shot[0] > 5 * 0.50
