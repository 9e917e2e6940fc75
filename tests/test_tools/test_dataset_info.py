"""tools/dataset_info.py: the command line of :func:`amnsfw.datasets.
dataset_report.dataset_report` (tested in tests/test_datasets)."""
import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
TOOL = REPO / 'tools' / 'dataset_info.py'


def run_tool(*args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(REPO), OMP_NUM_THREADS='1')
    env.pop('AMNSFW_DEBUG', None)
    return subprocess.run([sys.executable, str(TOOL), *args],
                          capture_output=True, text=True, timeout=120,
                          env=env)


def test_cli_prints_json_and_exits_1_on_an_unusable_set(tmp_path):
    records = [dict(id=0, img_path='p0.jpg', captions=['A man.'],
                    split='train')]
    (tmp_path / 'data_captions.json').write_text(json.dumps(records))
    result = run_tool('rstpreid', str(tmp_path), '--json')
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    assert report['empty_splits'] == ['val', 'test']


def test_cli_bad_annotation_is_one_line_and_status_2(tmp_path):
    (tmp_path / 'data_captions.json').write_text('[{"id": 1, "split": ')
    result = run_tool('rstpreid', str(tmp_path))
    assert result.returncode == 2, result.stderr
    assert 'Traceback' not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and 'is not valid JSON' in lines[0], lines
    assert lines[0].startswith('dataset_info.py: error: ')
