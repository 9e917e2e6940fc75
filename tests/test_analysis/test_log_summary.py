"""amnsfw.analysis.log_summary: summarising and plotting runs' logs."""
import pytest

from amnsfw.analysis.log_summary import (analyze_logs, default_keys,
                                         describe_logs, format_summaries)
from amnsfw.analysis.scalars_log import read_run
from .log_fixtures import two_runs

PNG_SIGNATURE = b'\x89PNG\r\n\x1a\n'


def test_summaries_of_two_runs(tmp_path):
    out = tmp_path / 'plots' / 'runs.png'
    analysis = analyze_logs([str(run) for run in two_runs(tmp_path)],
                            out=str(out))
    assert out.read_bytes()[:8] == PNG_SIGNATURE
    clean, noisy = analysis.summaries
    # Best R1 30 first reached at epoch 2 (epoch 4 ties it), last 30.
    assert clean == dict(label='itc_noise0', epochs=4, final_loss=10.0 / 16,
                         best=30.0, best_epoch=2, last=30.0)
    assert noisy == dict(label='itc_noise50', epochs=3, final_loss=20.0 / 12,
                         best=12.0, best_epoch=3, last=12.0)
    printed = describe_logs(analysis)
    assert '30.00 (2)' in printed and '12.00 (3)' in printed
    assert '20260102_000000' in printed and '20260101' not in printed
    assert printed.endswith(f'plot written to {out}')


def test_default_keys_are_the_losses_lr_and_the_summary_key(tmp_path):
    clean, _ = two_runs(tmp_path)
    run = read_run(str(next(clean.glob('2026010[2]*/vis_data/*.json'))),
                   'a')
    assert default_keys([run], 'retrieval/R1') == [
        'loss', 'loss_id', 'loss_sdm', 'lr', 'retrieval/R1']
    assert default_keys([run], 'retrieval/absent') == [
        'loss', 'loss_id', 'loss_sdm', 'lr']


def test_labels_and_keys_are_honoured(tmp_path):
    clean, noisy = two_runs(tmp_path)
    analysis = analyze_logs([str(clean), str(noisy)], keys=['loss_sdm'],
                            labels=['a', 'b'], out=str(tmp_path / 'k.png'))
    assert [s['label'] for s in analysis.summaries] == ['a', 'b']


def test_a_key_no_run_logged_is_an_error(tmp_path):
    clean, _ = two_runs(tmp_path)
    with pytest.raises(ValueError, match=r"no run logged \['loss_mlm'\]"):
        analyze_logs([str(clean)], keys=['loss_mlm'],
                     out=str(tmp_path / 'x.png'))
    assert not (tmp_path / 'x.png').exists()


def test_summary_table_is_aligned_with_dashes_for_the_unlogged():
    table = format_summaries(
        [dict(label='a', epochs=None, final_loss=None, best=None,
              best_epoch=None, last=None),
         dict(label='long run', epochs=3, final_loss=0.5, best=42.0,
              best_epoch=2, last=41.0)], 'R1')
    header, first, second = table.splitlines()
    # Columns start where the widest cell of the column before ends.
    assert header.index('epochs') == second.index('3') == len('long run  ')
    assert first.split() == ['a', '-', '-', '-', '-']
    assert second.split() == ['long', 'run', '3', '0.5000', '42.00', '(2)',
                              '41.00']
