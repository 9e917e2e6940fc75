"""Shared steps of the train / test tools: arguments, config, best
checkpoint."""
import argparse
import importlib.util
import os
import os.path as osp
from typing import Dict, Optional

import torch
from mmengine.config import Config, DictAction
from mmengine.runner import Runner

from amnsfw.cli_errors import add_debug_argument
from .config_keys import check_overrides
from .read_config import read_config
from .tokenizer_check import check_one_tokenizer
from .resumable_checkpoint import require_loadable, resumable_checkpoint


def add_runner_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the arguments every runner tool takes: ``--work-dir``,
    ``--cfg-options``, ``--launcher``, the launcher's ``--local-rank`` and
    ``--debug`` (:func:`~amnsfw.cli_errors.add_debug_argument`)."""
    parser.add_argument('--work-dir', help='where logs and checkpoints go')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config keys, e.g. '
                        'train_cfg.max_epochs=2')
    parser.add_argument('--launcher', default='none',
                        choices=['none', 'pytorch', 'slurm'])
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    add_debug_argument(parser)


def parse_runner_arguments(parser: argparse.ArgumentParser,
                           argv=None) -> argparse.Namespace:
    """Parse, and export ``LOCAL_RANK`` as distributed launchers expect."""
    args = parser.parse_args(argv)
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    return args


def load_experiment_config(config: str,
                           work_dir: Optional[str] = None,
                           cfg_options: Optional[dict] = None,
                           launcher: str = 'none',
                           resume: Optional[str] = None,
                           amp: Optional[str] = None) -> Config:
    """Read a config and apply the tools' command-line choices.

    Args:
        config (str): Path of the experiment config.
        work_dir (str, optional): Output folder. Defaults to
            ``work_dirs/<config name>``.
        cfg_options (dict, optional): ``--cfg-options`` overrides; one
            whose top-level key nothing reads is refused
            (:func:`~amnsfw.engine.config_keys.check_overrides`), and so
            is one that gives the model another tokenizer than the text
            pipelines' (:func:`~amnsfw.engine.tokenizer_check.
            check_one_tokenizer`). Defaults to None.
        launcher (str): ``none``, ``pytorch`` or ``slurm``. Defaults to
            ``'none'``.
        resume (str, optional): ``'auto'`` (latest loadable checkpoint of
            the work dir, :func:`~amnsfw.engine.resumable_checkpoint.
            resumable_checkpoint`) or a checkpoint path. Defaults to None
            (start afresh).
        amp (str, optional): Mixed precision in ``'bf16'`` or ``'fp16'``:
            MMEngine's ``AmpOptimWrapper`` (fp32 master weights, dynamic
            loss scaling) on GPUs, :class:`CPUAmpOptimWrapper` (bf16 only)
            without one. Defaults to None (fp32).

    Returns:
        Config: The config to build a :class:`Runner` from.
    """
    cfg = read_config(config)
    if cfg_options:
        check_overrides(cfg, cfg_options)
        cfg.merge_from_dict(cfg_options)
        check_one_tokenizer(cfg)
    cfg.launcher = launcher
    cfg.work_dir = work_dir or cfg.get('work_dir') or osp.join(
        'work_dirs', osp.splitext(osp.basename(config))[0])
    if resume == 'auto':
        cfg.resume, cfg.load_from = True, resumable_checkpoint(cfg.work_dir)
    elif resume:
        require_loadable(resume, 'resume from')
        cfg.resume, cfg.load_from = True, resume
    if amp:
        use_amp(cfg, amp)
    add_tensorboard_if_installed(cfg)
    return cfg


AMP_DTYPES = {'bf16': 'bfloat16', 'fp16': 'float16'}


def use_amp(cfg: Config, amp: str) -> None:
    """Switch the config's optimiser wrapper to mixed precision in ``amp``
    (``'bf16'`` or ``'fp16'``), on a GPU when there is one, else the CPU."""
    if amp not in AMP_DTYPES:
        raise ValueError(
            f'amp must be one of {sorted(AMP_DTYPES)}, got {amp!r}')
    wrapper = cfg.optim_wrapper
    wrapper.dtype = AMP_DTYPES[amp]
    if torch.cuda.is_available():
        wrapper.type = 'AmpOptimWrapper'
        wrapper.setdefault('loss_scale', 'dynamic')
    elif amp == 'bf16':
        wrapper.type = 'CPUAmpOptimWrapper'
    else:
        raise ValueError('fp16 mixed precision needs a GPU; use --amp bf16 '
                         'on CPUs')


def add_tensorboard_if_installed(cfg: Config) -> None:
    """Also log to TensorBoard when it is installed (it is optional)."""
    visualizer = cfg.get('visualizer')
    if visualizer is None or importlib.util.find_spec('tensorboard') is None:
        return
    backends = visualizer.setdefault('vis_backends', [])
    if all(b.get('type') != 'TensorboardVisBackend' for b in backends):
        backends.append(dict(type='TensorboardVisBackend'))


def test_best_checkpoint(runner: Runner) -> Dict[str, float]:
    """Load the checkpoint selected on the val split and test it once.

    Falls back to the current weights (with a logged warning) when no best
    checkpoint was saved, e.g. when the config has no validation. A
    checkpoint may be a folder of per-rank shards (FSDP's default ``local``
    state dicts, DeepSpeed).
    """
    best = runner.message_hub.get_info('best_ckpt')
    if best and osp.exists(best):
        runner.logger.info(f'testing the best val checkpoint {best}')
        runner.load_checkpoint(best)
    else:
        runner.logger.warning('no best checkpoint was saved; testing the '
                              'final weights')
    return runner.test()
