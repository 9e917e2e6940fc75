"""amnsfw.analysis.noise_grid: run configs, the grid and its report."""
from pathlib import Path

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
