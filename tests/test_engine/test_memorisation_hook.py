"""MemorisationHook: the share of noisy training pairs a run memorised."""
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from amnsfw.datasets.synthpedes import generate_synthpedes
from amnsfw.engine import MemorisationHook, memorisation_scalars
from amnsfw.testing import quick_run_options

REPO = Path(__file__).resolve().parents[2]
CONFIG = REPO / 'configs' / 'sdm' / 'sdm_tinyclip_30e_synthpedes.py'


def test_scalars_split_clean_and_noisy_pairs():
    ranks = np.array([1, 2, 1, 1, 3])
    noisy = np.array([False, False, True, True, True])
    assert memorisation_scalars(ranks, noisy) == pytest.approx({
        'memorisation/clean_top1': 50.0,
        'memorisation/noisy_top1': 200 / 3})


def test_without_noise_only_the_clean_fit_is_reported():
    assert memorisation_scalars(np.array([1, 2]), None) == {
        'memorisation/clean_top1': 50.0}
    assert set(memorisation_scalars(np.array([1, 2]), np.zeros(2, bool))) \
        == {'memorisation/clean_top1'}


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match='batch_size'):
        MemorisationHook(batch_size=0)


def test_a_noisy_run_logs_memorisation_and_tests_last_and_best(tmp_path):
    generate_synthpedes(tmp_path / 'data', num_train_ids=8, num_val_ids=3,
                        num_test_ids=3, images_per_id=2)
    config = tmp_path / 'noisy_with_probe.py'
    config.write_text(
        f"_base_ = ['{CONFIG}']\n"
        "train_dataloader = dict(dataset=dict(noise_rate=0.5))\n"
        "custom_hooks = [dict(type='MemorisationHook', batch_size=16)]\n")
    result = subprocess.run(
        [sys.executable, str(REPO / 'tools' / 'train.py'), str(config),
         '--work-dir', 'work', '--test-last', '--out-last', 'last.json',
         '--test-best', '--out', 'best.json', '--cfg-options',
         *quick_run_options(batch_size=16, max_epochs=2),
         'param_scheduler.1.end=2'],
        cwd=tmp_path, env=dict(os.environ, PYTHONPATH=str(REPO)),
        capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    logs = [json.loads(line) for line in next(
        (tmp_path / 'work').glob('*/vis_data/scalars.json')).read_text()
        .splitlines()]
    val = [entry for entry in logs if 'retrieval/R1' in entry]
    assert [entry['step'] for entry in val] == [1, 2]
    for entry in val:
        # 16 of 32 pairs are noisy: each share is a multiple of 1/16.
        for key in ('memorisation/noisy_top1', 'memorisation/clean_top1'):
            assert 0 <= entry[key] <= 100
            assert (entry[key] * 16 / 100) == pytest.approx(
                round(entry[key] * 16 / 100))
    output = result.stderr + result.stdout
    assert output.count('Epoch(test)') == 2
    assert 'testing the final weights' in output
    for name in ('last.json', 'best.json'):
        assert 'retrieval/R1' in json.loads((tmp_path / name).read_text())
