"""amnsfw.analysis.noisy_pairs on a tiny SynthPEDES with 50 % noisy pairs."""
import csv
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Iterator, List

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from mmengine.config import Config

from amnsfw.analysis.noisy_pairs import find_noisy_pairs
from amnsfw.analysis.pair_signals import ccd_gmm, identity_infonce, score_pairs
from amnsfw.datasets import collate_person_search
from amnsfw.datasets.synthpedes import generate_synthpedes
from amnsfw.evaluation.functional.noise_detection import (auroc,
                                                          precision_at_k,
                                                          recall_at_k)
from amnsfw.evaluation.functional.clean_posterior import clean_posterior
from amnsfw.evaluation.pair_scoring import build_unaugmented_train_set
from amnsfw.registry import DATASETS, MODELS
from amnsfw.testing import quick_run_options

REPO = Path(__file__).resolve().parents[2]
ITC_CONFIG = REPO / 'configs' / 'itc' / 'itc_tinyclip_8e_synthpedes.py'
RDE_CONFIG = (REPO / 'plugins' / 'rde' / 'configs' /
              'rde_tinyclip_30e_synthpedes_noise50.py')
NOISY = {'train_dataloader.dataset.noise_rate': 0.5}


def save_random_model(config: Path, path: Path) -> Path:
    torch.manual_seed(0)
    model = MODELS.build(Config.fromfile(config).model)
    torch.save({'state_dict': model.state_dict(), 'meta': {}}, path)
    return path


@pytest.fixture(scope='module')
def workspace(tmp_path_factory) -> Iterator[Path]:
    """``data/SynthPEDES`` (8 ids x 2 images x 2 captions = 32 pairs) and
    random ITC and RDE checkpoints, with the working directory there (the
    config's data root and vocabulary are relative)."""
    root = tmp_path_factory.mktemp('noisy_pairs')
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(root)
        generate_synthpedes(root / 'data', num_train_ids=8, num_val_ids=2,
                            num_test_ids=2, images_per_id=2)
        save_random_model(ITC_CONFIG, root / 'itc.pth')
        save_random_model(RDE_CONFIG, root / 'rde.pth')
        yield root


def noisy_config() -> Config:
    """The ITC config with 50 % noisy pairs."""
    cfg = Config.fromfile(ITC_CONFIG)
    cfg.merge_from_dict({'train_dataloader.dataset.noise_rate': 0.5})
    return cfg


def read_csv(path: Path) -> List[dict]:
    with path.open(newline='', encoding='utf-8') as file:
        return list(csv.DictReader(file))


def test_rank_signal_matches_a_full_matrix_and_the_noise_flags(workspace):
    out = workspace / 'rank'
    result = find_noisy_pairs(str(ITC_CONFIG), 'itc.pth', signal='rank',
                              top=5, num_workers=0, batch_size=12,
                              out_dir=str(out), cfg_options=NOISY)
    rows = read_csv(out / 'suspects.csv')
    assert [row['pair_index'] for row in rows] == [
        str(row['pair_index']) for row in result.rows]
    # The train split as training builds it, with its noise flags.
    dataset = DATASETS.build(noisy_config().train_dataloader.dataset)
    assert len(rows) == len(dataset) == 32
    indices = [int(row['pair_index']) for row in rows]
    assert sorted(indices) == list(range(32))
    scores = np.array([float(row['score']) for row in rows])
    assert (np.diff(scores) <= 0).all()
    flags = np.array([row['injected_noise'] == 'True' for row in rows])
    assert (flags == dataset.noisy_pairs[indices]).all()
    assert flags.sum() == 16

    # The same ranks from one batch of every pair, over the distinct images.
    model = MODELS.build(Config.fromfile(ITC_CONFIG).model)
    model.load_state_dict(torch.load('itc.pth')['state_dict'])
    model.eval()
    plain = build_unaugmented_train_set(noisy_config())
    items = [plain[i] for i in range(32)]
    with torch.no_grad():
        data = model.data_preprocessor(collate_person_search(items), False)
        features = model.extract_feat(data['inputs'])
    image_index = [dataset.get_data_info(i)['image_index'] for i in range(32)]
    first = [image_index.index(i) for i in sorted(set(image_index))]
    sims = (F.normalize(features['text_embeds'], dim=1)
            @ F.normalize(features['image_embeds'][first], dim=1).T)
    own = sims[torch.arange(32), torch.tensor(image_index)]
    expected = (sims >= own[:, None]).sum(dim=1)
    assert scores.tolist() == expected[indices].float().tolist()

    metrics = json.loads((out / 'metrics.json').read_text())
    assert metrics['num_pairs'] == 32 and metrics['num_noisy'] == 16
    assert metrics['precision@5'] == precision_at_k(scores, flags, 5)
    assert metrics['recall@5'] == recall_at_k(scores, flags, 5)
    assert metrics['auroc'] == pytest.approx(auroc(scores, flags))
    sheet = (out / 'suspects.html').read_text()
    assert sheet.count('<tr><td>') == 5
    assert sheet.count('data:image/jpeg;base64,') == 5
    assert result.metrics['auroc'] == metrics['auroc']


def test_loss_signal_is_the_in_batch_infonce_of_consecutive_pairs(
        workspace):
    out = workspace / 'loss'
    summary = find_noisy_pairs(str(ITC_CONFIG), 'itc.pth', num_workers=0,
                               batch_size=8, out_dir=str(out),
                               cfg_options=NOISY).summary
    assert summary['signal'] == 'loss' and summary['num_noisy'] == 16
    rows = read_csv(out / 'suspects.csv')
    scores = {int(row['pair_index']): float(row['score']) for row in rows}

    cfg = noisy_config()
    model = MODELS.build(cfg.model)
    model.load_state_dict(torch.load('itc.pth')['state_dict'])
    model.eval()
    tau = 1.0 / float(model.loss_heads[0].temperature().detach())
    dataset = build_unaugmented_train_set(cfg)
    for start in (0, 24):  # the first and the last batch of 8
        batch = collate_person_search(
            [dataset[i] for i in range(start, start + 8)])
        with torch.no_grad():
            data = model.data_preprocessor(batch, False)
            feats = model.extract_feat(data['inputs'])
        expected = identity_infonce(
            {'global': feats['image_embeds']},
            {'global': feats['text_embeds']},
            batch['data_samples']['image_pids'],
            batch['data_samples']['text_pids'], tau)
        got = [scores[i] for i in range(start, start + 8)]
        assert got == pytest.approx(expected.tolist(), rel=1e-5)


def test_ccd_signal_on_rde_heads_is_the_consensus_posterior(workspace):
    from amnsfw_rde.hooks.consensus_division_hook import clean_labels

    out = workspace / 'ccd'
    summary = find_noisy_pairs(str(RDE_CONFIG), 'rde.pth', signal='ccd',
                               num_workers=0, batch_size=16, top=4,
                               out_dir=str(out)).summary
    assert summary['num_noisy'] == 16 and 0 <= summary['auroc'] <= 1
    rows = read_csv(out / 'suspects.csv')
    scores = np.array([float(row['score']) for row in sorted(
        rows, key=lambda row: int(row['pair_index']))])

    cfg = Config.fromfile(RDE_CONFIG)
    model = MODELS.build(cfg.model)
    model.load_state_dict(torch.load('rde.pth')['state_dict'])
    model.eval()
    losses, _, _ = score_pairs(
        model, build_unaugmented_train_set(cfg), 16, 0, 0.02)
    assert losses.shape == (32, 2)  # TAL on the global and TSE embeddings
    gmm = ccd_gmm(cfg)
    assert gmm == dict(max_iter=100, tol=1e-4, reg_covar=1e-6)  # the hook's
    posteriors = [clean_posterior(column, gmm) for column in losses.T]
    assert scores == pytest.approx(1 - np.minimum(*posteriors))
    for column, posterior in zip(losses.T, posteriors):
        assert ((posterior > 0.5) == clean_labels(
            column, gmm=gmm, fallback_noisy_fraction=None)).all()


def test_missing_checkpoint_is_a_clear_error(workspace):
    with pytest.raises(FileNotFoundError,
                       match='checkpoint file not found: nowhere.pth'):
        find_noisy_pairs(str(ITC_CONFIG), 'nowhere.pth',
                         out_dir=str(workspace / 'none'))
    assert not (workspace / 'none').exists()


@pytest.fixture(scope='module')
def trained_workspace(tmp_path_factory) -> Path:
    """A tiny SynthPEDES (32 ids x 2 images x 2 captions = 128 pairs) and
    the ITC recipe trained on its clean pairs for 30 epochs (120 steps,
    about 20 s): a model that knows which caption goes with which image."""
    root = tmp_path_factory.mktemp('trained_noisy_pairs')
    generate_synthpedes(root / 'data', num_train_ids=32, num_val_ids=4,
                        num_test_ids=4, images_per_id=2)
    result = subprocess.run(
        [sys.executable, str(REPO / 'tools' / 'train.py'), str(ITC_CONFIG),
         '--work-dir', 'train', '--cfg-options',
         *quick_run_options(batch_size=32, max_epochs=30),
         'train_cfg.val_interval=30'],
        cwd=root, capture_output=True, text=True, timeout=600,
        env=dict(os.environ, PYTHONPATH=str(REPO), OMP_NUM_THREADS='1'))
    assert result.returncode == 0, result.stderr[-3000:]
    return root


@pytest.mark.parametrize('signal', ['loss', 'rank'])
def test_a_trained_model_finds_planted_noise_far_better_than_chance(
        trained_workspace, signal):
    # Half of the captions are moved to other people's images; a model that
    # learnt the clean pairs must put those first (chance: precision 0.5,
    # AUROC 0.5).
    out = trained_workspace / signal
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(trained_workspace)
        find_noisy_pairs(str(ITC_CONFIG), 'train/epoch_30.pth', signal=signal,
                         top=16, num_workers=0, out_dir=str(out),
                         cfg_options=NOISY)
    metrics = json.loads((out / 'metrics.json').read_text())
    assert metrics['num_pairs'] == 128 and metrics['num_noisy'] == 64
    assert metrics['precision@16'] >= 0.9
    assert metrics['auroc'] >= 0.8


def test_ccd_without_scikit_learn_is_a_clear_error_before_any_work(
        monkeypatch, tmp_path):
    from amnsfw.analysis import noisy_pairs
    monkeypatch.setattr(noisy_pairs.importlib.util, 'find_spec',
                        lambda name: None)
    monkeypatch.setattr(noisy_pairs, 'init_model',
                        lambda *args: pytest.fail('model loaded'))
    with pytest.raises(ImportError, match='ccd signal needs scikit-learn'):
        find_noisy_pairs(str(ITC_CONFIG), 'x.pth', signal='ccd',
                         out_dir=str(tmp_path / 'out'))
