"""tools/analyze_logs.py: the command line of
:func:`amnsfw.analysis.log_summary.analyze_logs` (tested in
tests/test_analysis)."""
import os
import subprocess
import sys
from pathlib import Path

from ..test_analysis.log_fixtures import two_runs

REPO = Path(__file__).resolve().parents[2]
TOOL = REPO / 'tools' / 'analyze_logs.py'


def test_cli_prints_the_logs_the_table_and_the_plot(tmp_path):
    clean, noisy = two_runs(tmp_path)
    result = subprocess.run(
        [sys.executable, str(TOOL), str(clean), str(noisy), '--labels', 'a',
         'b', '--out', 'runs.png'], cwd=tmp_path, capture_output=True,
        text=True, timeout=120,
        env=dict(os.environ, PYTHONPATH=str(REPO), OMP_NUM_THREADS='1'))
    assert result.returncode == 0, result.stderr[-3000:]
    printed = result.stdout.splitlines()
    assert printed[0].startswith('a: ') and printed[1].startswith('b: ')
    assert printed[2].startswith('run  epochs  final loss')
    assert printed[-1] == 'plot written to runs.png'
    assert (tmp_path / 'runs.png').is_file()
