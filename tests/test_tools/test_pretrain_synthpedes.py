"""tools/pretrain_synthpedes.py: a shortened run, twice, as a user runs it."""
import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SHORT = [
    'train_cfg.max_iters=4', 'train_cfg.val_interval=4',
    'default_hooks.checkpoint.interval=4', 'default_hooks.logger.interval=1',
    'log_processor.window_size=1', 'train_dataloader.batch_size=16',
    'train_dataloader.num_workers=0', 'train_dataloader.persistent_workers=0',
    'param_scheduler.0.end=2', 'param_scheduler.1.begin=2',
    'param_scheduler.1.end=4'
]


def pretrain(workspace: Path, name: str) -> dict:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    result = subprocess.run(
        [sys.executable, str(REPO / 'tools' / 'pretrain_synthpedes.py'),
         '--config', str(REPO / 'configs/pretrain/'
                         'tinyclip_pretrain_synthpedes.py'),
         '--work-dir', str(workspace / name), '--zoo-dir',
         str(workspace / 'zoo' / name), '--name', 'short',
         '--cfg-options', *SHORT],
        cwd=workspace, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    with open(workspace / 'zoo' / name / 'short' / 'metafile.json') as file:
        return json.load(file)


def test_a_shortened_pretraining_reproduces_its_entry(tmp_path):
    first = pretrain(tmp_path, 'first')
    second = pretrain(tmp_path, 'second')
    # Same command, same machine and threads: the same entry, bit for bit.
    assert first['files'] == second['files']
    assert first['zero_shot'] == second['zero_shot']
    assert 0 <= first['zero_shot']['retrieval/R1'] <= 100
    assert first['iterations'] == 4 and first['seed'] == 0
    assert first['corpus']['type'] == 'SynthPEDESPretrain'
    assert '--cfg-options' in first['command']
    assert (tmp_path / 'first' / 'learning_curve.png').stat().st_size > 0
    # The corpus vocabulary covers every fine-tuning caption.
    from amnsfw.models.tokenizers.word_level_tokenizer import (
        WordLevelTokenizer, read_train_captions)
    tokenizer = WordLevelTokenizer(
        str(tmp_path / 'data/SynthPEDES-Pretrain/tokenizer.json'))
    captions = read_train_captions(
        str(tmp_path / 'data/SynthPEDES/reid_raw.json'))
    for caption in captions[:2000]:
        ids = tokenizer._text_to_ids(caption)
        assert tokenizer.unk_id not in ids, caption
