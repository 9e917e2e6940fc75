"""amnsfw.visualization.log_curves: training curves of runs."""
from amnsfw.analysis.scalars_log import find_scalars, read_run
from amnsfw.visualization.log_curves import group_of, plot_runs
from ..test_analysis.log_fixtures import two_runs

PNG_SIGNATURE = b'\x89PNG\r\n\x1a\n'


def test_keys_are_grouped_by_what_they_measure(tmp_path):
    clean, _ = two_runs(tmp_path)
    run = read_run(find_scalars(str(clean)), 'a')
    groups = {key: group_of(key, [run])
              for key in ('loss_sdm', 'lr', 'base_lr', 'grad_norm',
                          'retrieval/mAP')}
    assert groups == {'loss_sdm': 'losses', 'lr': 'learning rate',
                      'base_lr': 'learning rate',
                      'grad_norm': 'other training scalars',
                      'retrieval/mAP': 'validation metrics'}


def test_plot_runs_writes_a_png_making_its_folder(tmp_path):
    runs = [read_run(find_scalars(str(path)), path.name)
            for path in two_runs(tmp_path)]
    out = tmp_path / 'new' / 'curves.png'
    plot_runs(runs, ['loss', 'lr', 'grad_norm', 'retrieval/R1'], str(out))
    assert out.read_bytes()[:8] == PNG_SIGNATURE
