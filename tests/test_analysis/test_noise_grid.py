"""amnsfw.analysis.noise_grid: run configs, the grid and its report."""
import json
from pathlib import Path
from types import SimpleNamespace

from amnsfw.analysis import noise_grid

REPO = Path(__file__).resolve().parents[2]


def test_clean_oracle_is_the_sdm_recipe_on_the_clean_pairs():
    cfg = noise_grid.run_config(REPO, 'clean-oracle', 0.5, 2, epochs=4)
    sdm = noise_grid.run_config(REPO, 'sdm', 0.5, 2, epochs=4)
    assert cfg.train_dataloader.dataset.clean_pairs_only is True
    assert 'clean_pairs_only' not in sdm.train_dataloader.dataset
    assert cfg.model.loss_heads == sdm.model.loss_heads
    assert cfg.train_dataloader.dataset.noise_rate == 0.5
    assert cfg.train_dataloader.dataset.noise_seed == 0  # same noise always
    assert cfg.randomness.seed == 2


def test_schedule_is_stretched_to_the_run_and_the_probe_added():
    cfg = noise_grid.run_config(REPO, 'amns', 0.2, 0, epochs=12)
    assert cfg.train_cfg.max_epochs == 12
    assert cfg.param_scheduler[-1].end == 12
    assert cfg.param_scheduler[0].end == 1  # the warm-up stays one epoch
    hooks = [hook['type'] for hook in cfg.custom_hooks]
    assert hooks[-1] == 'MemorisationHook' and len(hooks) > 1  # AMNS's kept


def test_grid_table_has_best_and_last_per_noise_rate():
    run = dict(best={'R1': 40.0}, last={'R1': 20.0})
    table = noise_grid.grid_table(
        {('sdm', 0.0): [run], ('sdm', 0.5): [run, run]}, ['sdm', 'rde'],
        [0.0, 0.5])
    assert table[0] == ('| method | 0 % best | 0 % last | 50 % best | '
                        '50 % last |')
    assert table[2] == '| sdm | 40.00 | 20.00 | 40.00 ± 0.00 | 20.00 ± 0.00 |'
    assert len(table) == 3  # rde has no runs: no row


def test_comparisons_call_each_pair_with_runs_on_both_sides():
    def runs(*last):
        return [dict(best={'R1': 20.0}, last={'R1': r1}) for r1 in last]

    lines = noise_grid.comparisons(
        {('rde', 0.5): runs(19.0, 19.5), ('sdm', 0.5): runs(13.0, 13.2),
         ('amns', 0.5): runs(6.0), ('amns-sdmonly', 0.5): runs(11.0, 12.0),
         ('amns-sdmid', 0.5): runs(12.5, 14.5)}, [0.5])
    rows = [line for line in lines if line.startswith('| ') and ' vs ' in line]
    assert rows == [
        '| amns vs rde | 50 % | ? (+0.00) | ? (-13.25) |',
        '| amns vs sdm | 50 % | ? (+0.00) | ? (-7.10) |',
        '| rde vs sdm | 50 % | ≈ (+0.00) | > (+6.15) |',
        '| amns vs amns-sdmonly | 50 % | ? (+0.00) | ? (-5.50) |',
        '| amns vs amns-sdmid | 50 % | ? (+0.00) | ? (-7.50) |',
        '| amns-sdmonly vs sdm | 50 % | ≈ (+0.00) | < (-1.60) |',
        '| amns-sdmid vs amns-sdmonly | 50 % | ≈ (+0.00) | ≈ (+2.00) |']


def test_runs_train_on_the_regimes_smaller_set_with_its_id_classes():
    cfg = noise_grid.run_config(REPO, 'irra', 0.5, 0, epochs=4)
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        assert cfg[loader].dataset.data_root == (
            f'{noise_grid.DATA_ROOT}/SynthPEDES')
    assert cfg.model.num_classes == noise_grid.TRAIN_IDS  # IDLoss


def test_the_grid_leaves_out_the_oracle_at_zero_noise():
    grid = noise_grid.plan_grid(['sdm', 'clean-oracle'], [0.0, 0.5],
                                ['amns-nowaf'], [0.8], [0, 1])
    assert grid == [('sdm', 0.0, 0), ('sdm', 0.0, 1), ('sdm', 0.5, 0),
                    ('sdm', 0.5, 1), ('clean-oracle', 0.5, 0),
                    ('clean-oracle', 0.5, 1), ('amns-nowaf', 0.8, 0),
                    ('amns-nowaf', 0.8, 1)]


def _finished_work_dir(root: Path, name: str, wall: str = None) -> Path:
    """A work dir as tools/train.py leaves a finished 2-epoch run."""
    work_dir = root / name
    (work_dir / '20260101_000000' / 'vis_data').mkdir(parents=True)
    for which, r1 in (('best', 30.0), ('last', 12.5)):
        (work_dir / f'test_{which}.json').write_text(json.dumps(
            {f'retrieval/{k}': r1 for k in noise_grid.METRICS}))
    (work_dir / '20260101_000000' / 'vis_data' / 'scalars.json').write_text(
        ''.join(json.dumps({'retrieval/R1': r1, 'memorisation/noisy_top1':
                            noisy, 'memorisation/clean_top1': 50.0,
                            'step': step}) + '\n'
                for step, (r1, noisy) in enumerate([(31, 2.0), (28, 9.5)],
                                                   1)))
    if wall:
        (work_dir / 'wall_seconds.txt').write_text(wall)
    return work_dir


def test_a_record_holds_the_runs_metrics_curves_and_time(tmp_path):
    work_dir = _finished_work_dir(tmp_path, 'sdm_noise50_seed1_2e', '84\n')
    records = tmp_path / 'records'
    noise_grid.write_record(REPO, work_dir,
                            records / 'sdm_noise50_seed1_2e.json')
    assert [p.name for p in records.iterdir()] == ['sdm_noise50_seed1_2e.json']
    results = noise_grid.finished_runs(records, epochs=2)
    assert list(results) == [('sdm', 0.5)]
    [run] = results[('sdm', 0.5)]
    assert run['best']['R1'] == 30.0 and run['last']['mINP'] == 12.5
    assert run['val_r1'] == [31, 28] and run['noisy_top1'] == [2.0, 9.5]
    assert run['wall_seconds'] == 84.0 and len(run['commit']) == 40
    assert run['commit'] == noise_grid.current_commit(REPO)
    assert noise_grid.finished_runs(records, epochs=100) == {}
    assert noise_grid.estimate_hours([('sdm', 0.5, 0)] * 2, records, 100,
                                     jobs=2) == 84 / 2 * 100 / 3600


def test_a_record_names_the_commit_the_run_started_on(tmp_path):
    work_dir = _finished_work_dir(tmp_path, 'sdm_noise50_seed1_2e')
    (work_dir / 'commit.txt').write_text('0' * 40 + '\n')
    record = tmp_path / 'sdm_noise50_seed1_2e.json'
    noise_grid.write_record(REPO, work_dir, record)
    assert json.loads(record.read_text())['commit'] == '0' * 40


def test_recorded_runs_are_skipped_and_finished_ones_recorded(
        tmp_path, monkeypatch):
    monkeypatch.setattr(noise_grid, 'RUNS_DIR', 'runs')
    records = tmp_path / 'records'
    records.mkdir()
    (records / 'rde_noise20_seed0_2e.json').write_text('{}')
    _finished_work_dir(tmp_path / 'runs', 'sdm_noise50_seed0_2e')

    def no_training(*args, **kwargs):
        raise AssertionError('a recorded or finished run was trained')

    monkeypatch.setattr(noise_grid.subprocess, 'run', no_training)
    monkeypatch.setattr(noise_grid, 'write_record',
                        lambda repo, work_dir, record: record.write_text(
                            json.dumps({'run': work_dir.name})))
    noise_grid.train_run(tmp_path, 'rde', 0.2, 0, 2, 1, records)
    noise_grid.train_run(tmp_path, 'sdm', 0.5, 0, 2, 1, records)
    assert json.loads((records / 'sdm_noise50_seed0_2e.json').read_text()) == {
        'run': 'sdm_noise50_seed0_2e'}
    assert not (tmp_path / 'runs' / 'rde_noise20_seed0_2e').exists()


def test_a_run_keeps_the_commit_it_started_on_when_resumed(
        tmp_path, monkeypatch):
    monkeypatch.setattr(noise_grid, 'RUNS_DIR', str(tmp_path / 'runs'))
    monkeypatch.setattr(noise_grid.subprocess, 'run',
                        lambda *args, **kwargs: SimpleNamespace(returncode=1))
    started = tmp_path / 'runs' / 'sdm_noise50_seed0_2e' / 'commit.txt'
    for commit in ('a' * 40, 'b' * 40):  # a failed start, then a resume
        monkeypatch.setattr(noise_grid, 'current_commit',
                            lambda repo, c=commit: c)
        noise_grid.train_run(REPO, 'sdm', 0.5, 0, 2, 1, tmp_path / 'records')
        assert started.read_text() == 'a' * 40 + '\n'
