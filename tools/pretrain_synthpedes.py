"""Pretrain the tiny CLIP on SynthPEDES-Pretrain and make it a zoo entry.

    python tools/pretrain_synthpedes.py [--config C] [--work-dir D]
        [--name tinyclip-synthpedes] [--zoo-dir amnsfw/model_zoo]
        [--cfg-options k=v ...]

1. generates SynthPEDES into ``data/`` if absent (for zero-shot val/test);
2. writes the tokenizer, trained on captions of both styles (web and
   fine-tuning), to the config's ``tokenizer.vocab_file``
   (``data/SynthPEDES-Pretrain/tokenizer.json``) if it is absent;
3. trains the config, resuming from the work dir's latest checkpoint if a
   previous run was stopped;
4. tests the final weights zero-shot on SynthPEDES test, plots the
   learning curve (``<work dir>/learning_curve.png``), and writes the zoo
   entry: towers, tokenizer and a metafile with sha256s, this command,
   seed, corpus and metrics (docs/model_zoo.md).
"""
import argparse
import json
import os.path as osp
import platform
import shlex
import sys
import time

import torch
from mmengine.config import DictAction
from mmengine.model import is_model_wrapper
from mmengine.runner import Runner, find_latest_checkpoint

from amnsfw.analysis.log_summary import analyze_logs, describe_logs
from amnsfw.cli_errors import add_debug_argument, run_tool
from amnsfw.datasets.synthpedes import generate_synthpedes
from amnsfw.datasets.synthpedes.pretrain_corpus import caption_sample
from amnsfw.engine import load_experiment_config
from amnsfw.model_zoo import BUILTIN_ZOO_DIR, write_entry
from amnsfw.models.tokenizers.word_level_tokenizer import (save_atomically,
                                                           train_tokenizer)

DEFAULT_CONFIG = 'configs/pretrain/tinyclip_pretrain_synthpedes.py'
#: Identities whose captions train the vocabulary (each word of either
#: caption generator appears thousands of times in them).
VOCABULARY_IDS = 20_000


def write_vocabulary(path: str, seed: int) -> None:
    """Train the word-level vocabulary on both caption styles, unless a
    previous (interrupted) run already wrote it."""
    if not osp.isfile(path):
        save_atomically(train_tokenizer(caption_sample(seed, VOCABULARY_IDS),
                                        min_frequency=1), path)


def plot_learning_curve(work_dir: str) -> str:
    """Loss and zero-shot val R@1 against iterations, as analyze_logs
    draws and prints them."""
    out = osp.join(work_dir, 'learning_curve.png')
    print(describe_logs(analyze_logs([work_dir], keys=['loss', 'retrieval/R1'],
                                     out=out)))
    return out


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--config', default=DEFAULT_CONFIG)
    parser.add_argument('--work-dir', default=None,
                        help="defaults to the config's work_dir")
    parser.add_argument('--name', default='tinyclip-synthpedes',
                        help='zoo entry name')
    parser.add_argument('--zoo-dir', default=BUILTIN_ZOO_DIR,
                        help='folder the entry is written to')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    add_debug_argument(parser)
    args = parser.parse_args(argv)
    command = ' '.join(['python', 'tools/pretrain_synthpedes.py'] +
                       [shlex.quote(arg) for arg in (argv or sys.argv[1:])])
    start = time.time()
    print(generate_synthpedes('data'))
    cfg = load_experiment_config(args.config, args.work_dir,
                                 args.cfg_options)
    write_vocabulary(cfg.model.tokenizer.vocab_file, cfg.randomness.seed)
    if find_latest_checkpoint(cfg.work_dir):
        cfg.resume = True
    runner = Runner.from_cfg(cfg)
    runner.train()
    metrics = runner.test()
    wall = time.time() - start
    model = (runner.model.module
             if is_model_wrapper(runner.model) else runner.model)
    dataset = cfg.train_dataloader.dataset.to_dict()
    for key in ('image_pipeline', 'text_pipeline'):
        dataset.pop(key, None)
    entry = write_entry(
        args.zoo_dir, args.name, model.state_dict(),
        {'tokenizer.json': cfg.model.tokenizer.vocab_file},
        dict(command=command,
             config=args.config,
             seed=cfg.randomness.seed,
             corpus=dataset,
             iterations=cfg.train_cfg.max_iters,
             batch_size=cfg.train_dataloader.batch_size,
             towers=dict(image_encoder=cfg.model.image_encoder.to_dict(),
                         text_encoder=cfg.model.text_encoder.to_dict()),
             tokenizer=dict(type='WordLevelTokenizer', max_length=cfg.model
                            .tokenizer.max_length),
             zero_shot={k: round(float(v), 2)
                        for k, v in metrics.items()},
             zero_shot_on='SynthPEDES test (seed 0, 200 identities)',
             made_on=dict(machine=platform.platform(),
                          device=(torch.cuda.get_device_name()
                                  if torch.cuda.is_available() else 'cpu'),
                          threads=torch.get_num_threads(),
                          torch=torch.__version__,
                          wall_seconds=round(wall))))
    curve = plot_learning_curve(cfg.work_dir)
    print(json.dumps(entry.meta['zero_shot']))
    print(f'zoo entry {entry.name} written to {entry.path}; learning '
          f'curve {curve}; {wall / 60:.1f} min')
    return entry.meta


if __name__ == '__main__':
    sys.exit(run_tool(main))
