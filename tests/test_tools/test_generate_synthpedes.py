"""tools/generate_synthpedes.py: the command line of
:func:`amnsfw.datasets.synthpedes.generate_synthpedes` (tested in
tests/test_datasets/test_synthpedes)."""
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
TOOL = REPO / 'tools' / 'generate_synthpedes.py'


def test_cli_writes_the_format_then_skips_it(tmp_path):
    argv = [sys.executable, str(TOOL), '--root', str(tmp_path), '--format',
            'rstpreid', '--train-ids', '2', '--val-ids', '1', '--test-ids',
            '1', '--images-per-id', '1']
    env = dict(os.environ, PYTHONPATH=str(REPO), OMP_NUM_THREADS='1')
    first = subprocess.run(argv, capture_output=True, text=True,
                           timeout=300, env=env)
    assert first.returncode == 0, first.stderr[-3000:]
    assert 'SynthPEDES-RSTP' in first.stdout and 'skipped' not in (
        first.stdout)
    assert (tmp_path / 'SynthPEDES-RSTP' / 'data_captions.json').is_file()
    assert not (tmp_path / 'SynthPEDES').exists()
    again = subprocess.run(argv, capture_output=True, text=True,
                           timeout=300, env=env)
    assert again.returncode == 0, again.stderr[-3000:]
    assert 'skipped generation (use --force to regenerate)' in again.stdout
