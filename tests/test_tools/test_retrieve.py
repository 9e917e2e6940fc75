"""tools/retrieve.py: the command line of :func:`amnsfw.apis.retrieve.
retrieve` (tested in tests/test_apis/test_retrieve.py)."""
import os
import subprocess
import sys
from pathlib import Path

from ..test_apis.test_text_image_search import CONFIG, make_workspace

REPO = Path(__file__).resolve().parents[2]
TOOL = REPO / 'tools' / 'retrieve.py'


def run_tool(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(TOOL), *args], cwd=cwd, capture_output=True,
        text=True, timeout=300,
        env=dict(os.environ, PYTHONPATH=str(REPO), OMP_NUM_THREADS='1'))


def test_cli_searches_a_split_by_its_captions(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    checkpoint = make_workspace(tmp_path)
    result = run_tool(str(CONFIG), str(checkpoint), '--split', 'test',
                      '--query-index', '0', '--topk', '2', '--out-dir',
                      'out', cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    assert 'query 0: ' in result.stdout and '[caption 0 of person' in (
        result.stdout)
    assert result.stdout.rstrip().endswith('results written to out')
    assert {path.name for path in (tmp_path / 'out').iterdir()} == {
        'results.json', 'query_0.png'}


def test_cli_checks_its_arguments(tmp_path):
    result = run_tool(str(CONFIG), 'x.pth', '--gallery-dir', '.',
                      '--query-index', '0', cwd=tmp_path)
    assert result.returncode == 2
    assert '--query-index needs --split' in result.stderr
