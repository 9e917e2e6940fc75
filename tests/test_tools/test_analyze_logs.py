"""tools/analyze_logs.py on synthetic MMEngine JSON logs of two runs."""
import importlib.util
import json
import re
from pathlib import Path
from typing import List, Sequence

import pytest

REPO = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location(
    'analyze_logs', REPO / 'tools' / 'analyze_logs.py')
analyze_logs = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(analyze_logs)

PNG_SIGNATURE = b'\x89PNG\r\n\x1a\n'


def write_log(work_dir: Path, timestamp: str, r1: Sequence[float],
              iters_per_epoch: int = 4, loss0: float = 10.0) -> Path:
    """An MMEngine-like ``scalars.json``: a training line every other
    iteration, a val line (``step`` = epoch) after each epoch."""
    lines: List[dict] = []
    for epoch, value in enumerate(r1, start=1):
        for it in range(2, iters_per_epoch + 1, 2):
            step = (epoch - 1) * iters_per_epoch + it
            loss = loss0 / step
            lines.append(dict(lr=1e-3 / epoch, loss=loss, loss_sdm=0.7 * loss,
                              loss_id=0.3 * loss, grad_norm=1.0,
                              epoch=epoch, iter=step, step=step))
        lines.append({'retrieval/R1': value, 'retrieval/mAP': value / 2,
                      'time': 0.1, 'step': epoch})
    path = work_dir / timestamp / 'vis_data' / 'scalars.json'
    path.parent.mkdir(parents=True)
    path.write_text(''.join(json.dumps(line) + '\n' for line in lines))
    return path


@pytest.fixture
def runs(tmp_path):
    clean, noisy = tmp_path / 'itc_noise0', tmp_path / 'itc_noise50'
    # An older, shorter try of the first run: the newest folder wins.
    write_log(clean, '20260101_000000', [99.0])
    write_log(clean, '20260102_000000', [10.0, 30.0, 25.0, 30.0])
    write_log(noisy, '20260102_000000', [5.0, 8.0, 12.0], loss0=20.0)
    return clean, noisy


def test_plot_and_summary_of_two_runs(runs, tmp_path, capsys):
    out = tmp_path / 'plots' / 'runs.png'
    summaries = analyze_logs.main([*map(str, runs), '--out', str(out)])
    assert out.read_bytes()[:8] == PNG_SIGNATURE
    clean, noisy = summaries
    # Best R1 30 first reached at epoch 2 (epoch 4 ties it), last 30.
    assert clean == dict(label='itc_noise0', epochs=4, final_loss=10.0 / 16,
                         best=30.0, best_epoch=2, last=30.0)
    assert noisy == dict(label='itc_noise50', epochs=3, final_loss=20.0 / 12,
                         best=12.0, best_epoch=3, last=12.0)
    printed = capsys.readouterr().out
    assert '30.00 (2)' in printed and '12.00 (3)' in printed
    assert '20260102_000000' in printed and '20260101' not in printed


def test_keys_labels_and_a_scalars_file(runs, tmp_path):
    clean, noisy = runs
    scalars = next(noisy.glob('*/vis_data/scalars.json'))
    out = tmp_path / 'keys.png'
    summaries = analyze_logs.main([
        str(clean), str(scalars), '--keys', 'loss_sdm', 'lr', 'grad_norm',
        'retrieval/mAP', '--labels', 'a', 'b', '--out', str(out)])
    assert [s['label'] for s in summaries] == ['a', 'b']
    assert out.read_bytes()[:8] == PNG_SIGNATURE
    run = analyze_logs.read_run(str(scalars), 'b')
    groups = {key: analyze_logs.group_of(key, [run])
              for key in ('loss_sdm', 'lr', 'grad_norm', 'retrieval/mAP')}
    assert groups == {'loss_sdm': 'losses', 'lr': 'learning rate',
                      'grad_norm': 'other training scalars',
                      'retrieval/mAP': 'validation metrics'}
    assert analyze_logs.default_keys([run], 'retrieval/R1') == [
        'loss', 'loss_id', 'loss_sdm', 'lr', 'retrieval/R1']


def test_unfinished_last_line_is_skipped(tmp_path, capsys):
    scalars = write_log(tmp_path / 'live', '20260103_000000', [1.0, 2.0])
    with scalars.open('a') as file:
        file.write('{"lr": 0.001, "loss": 0.')
    run = analyze_logs.read_run(str(scalars), 'live')
    assert len(run.val) == 2 and len(run.train) == 4
    assert 'unfinished last line' in capsys.readouterr().err


def test_missing_log_or_key_is_a_clear_error(runs, tmp_path):
    empty = tmp_path / 'empty_work_dir'
    empty.mkdir()
    with pytest.raises(SystemExit, match=re.escape(
            f'{empty} holds no */vis_data/scalars.json')):
        analyze_logs.main([str(empty)])
    with pytest.raises(SystemExit, match='no such log file or work dir'):
        analyze_logs.main([str(tmp_path / 'nowhere')])
    with pytest.raises(SystemExit, match=r"no run logged \['loss_mlm'\]"):
        analyze_logs.main([str(runs[0]), '--keys', 'loss_mlm', '--out',
                           str(tmp_path / 'x.png')])
