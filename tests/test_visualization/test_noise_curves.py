"""amnsfw.visualization.noise_curves: the curves of a noise grid."""
from pathlib import Path

from amnsfw.visualization.noise_curves import (method_colours,
                                                plot_noise_curves)

PNG_SIGNATURE = b'\x89PNG\r\n\x1a\n'


def _run(val_r1, noisy_top1):
    return dict(val_r1=val_r1, noisy_top1=noisy_top1)


def test_r1_per_noise_rate_and_memorisation_above_zero(tmp_path: Path):
    results = {
        ('sdm', 0.0): [_run([10.0, 20.0], [None, None])],
        ('sdm', 0.5): [_run([5.0, 9.0, 12.0], [1.0, 2.0, 3.0]),
                       _run([6.0, 8.0], [2.0, 4.0])],  # a shorter seed
        ('rde', 0.5): [_run([7.0, 8.0], [None, None])],  # no probe
    }
    out = tmp_path / 'report.md'
    plot_noise_curves(results, [0.0, 0.5], out, ['sdm', 'rde'])
    for name in ('report_r1.png', 'report_memorisation.png'):
        assert (tmp_path / name).read_bytes()[:8] == PNG_SIGNATURE


def test_no_memorisation_figure_without_noise(tmp_path: Path):
    out = tmp_path / 'report.md'
    plot_noise_curves({('sdm', 0.0): [_run([1.0], [None])]}, [0.0], out,
                      ['sdm'])
    assert (tmp_path / 'report_r1.png').is_file()
    assert not (tmp_path / 'report_memorisation.png').exists()


def test_every_method_gets_its_own_colour():
    assert method_colours(['sdm', 'rde']) == {'sdm': 'C0', 'rde': 'C1'}
    many = [f'm{i}' for i in range(16)]
    assert len(set(method_colours(many).values())) == 16
