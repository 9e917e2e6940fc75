"""benchmarks/noise_robustness.py: run configs, statistics and the report."""
import importlib.util
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location(
    'noise_robustness', REPO / 'benchmarks' / 'noise_robustness.py')
noise_robustness = importlib.util.module_from_spec(spec)
spec.loader.exec_module(noise_robustness)


def test_clean_oracle_is_the_sdm_recipe_on_the_clean_pairs():
    cfg = noise_robustness.run_config('clean-oracle', 0.5, 2, epochs=4)
    sdm = noise_robustness.run_config('sdm', 0.5, 2, epochs=4)
    assert cfg.train_dataloader.dataset.clean_pairs_only is True
    assert 'clean_pairs_only' not in sdm.train_dataloader.dataset
    assert cfg.model.loss_heads == sdm.model.loss_heads
    assert cfg.train_dataloader.dataset.noise_rate == 0.5
    assert cfg.train_dataloader.dataset.noise_seed == 0  # same noise always
    assert cfg.randomness.seed == 2


def test_schedule_is_stretched_to_the_run_and_the_probe_added():
    cfg = noise_robustness.run_config('amns', 0.2, 0, epochs=12)
    assert cfg.train_cfg.max_epochs == 12
    assert cfg.param_scheduler[-1].end == 12
    assert cfg.param_scheduler[0].end == 1  # the warm-up stays one epoch
    hooks = [hook['type'] for hook in cfg.custom_hooks]
    assert hooks[-1] == 'MemorisationHook' and len(hooks) > 1  # AMNS's kept


def test_a_difference_needs_twice_the_larger_spread():
    compare = noise_robustness.compare
    assert compare([10, 12], [5, 6]) == '>'  # 5.5 apart, stds 1.41, 0.71
    assert compare([10, 12], [8, 9]) == '≈'  # 2.5 apart < 2 * 1.41
    assert compare([5, 6], [10, 12]) == '<'
    assert compare([10], [1, 2]) == '?'


def test_mean_and_sample_standard_deviation():
    assert noise_robustness.mean_std([1.0, 2.0, 3.0]) == pytest.approx(
        (2.0, 1.0))
    assert noise_robustness.cell([4.0]) == '4.00'
    assert noise_robustness.cell([1.0, 3.0]) == '2.00 ± 1.41'


def test_grid_table_has_best_and_last_per_noise_rate():
    run = dict(best={'R1': 40.0}, last={'R1': 20.0})
    table = noise_robustness.grid_table(
        {('sdm', 0.0): [run], ('sdm', 0.5): [run, run]}, ['sdm', 'rde'],
        [0.0, 0.5])
    assert table[0] == ('| method | 0 % best | 0 % last | 50 % best | '
                        '50 % last |')
    assert table[2] == '| sdm | 40.00 | 20.00 | 40.00 ± 0.00 | 20.00 ± 0.00 |'
    assert len(table) == 3  # rde has no runs: no row


def test_runs_train_on_the_regimes_smaller_set_with_its_id_classes():
    cfg = noise_robustness.run_config('irra', 0.5, 0, epochs=4)
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        assert cfg[loader].dataset.data_root == (
            f'{noise_robustness.DATA_ROOT}/SynthPEDES')
    assert cfg.model.num_classes == noise_robustness.TRAIN_IDS  # IDLoss
