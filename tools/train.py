"""Train a retriever from a config with MMEngine's runner.

    python tools/train.py CONFIG [--work-dir DIR] [--resume [CKPT]]
        [--amp [bf16|fp16]]
        [--test-last [--out-last JSON]] [--test-best [--out JSON]]
        [--cfg-options key=value ...] [--launcher pytorch]

Checkpoints are selected on the val split; ``--test-best`` then evaluates the
selected checkpoint on the test split, once. ``--test-last`` evaluates the
final weights on the test split first (the "last epoch" score of the noisy
correspondence papers, where memorised noise shows).
"""
import argparse
import json
import sys

from mmengine.registry import RUNNERS
from mmengine.runner import Runner

from amnsfw.cli_errors import run_tool
from amnsfw.engine import (add_runner_arguments, load_experiment_config,
                           parse_runner_arguments, setup_cpu_distributed,
                           test_best_checkpoint)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description='Train a retriever.')
    parser.add_argument('config', help='experiment config file')
    parser.add_argument(
        '--resume', nargs='?', const='auto', default=None, metavar='CKPT',
        help='resume from CKPT, or from the latest checkpoint of the work '
        'dir if no path is given')
    parser.add_argument(
        '--amp', nargs='?', const='bf16', default=None,
        choices=('bf16', 'fp16'),
        help='automatic mixed precision, bf16 (default) or fp16 (GPU only)')
    parser.add_argument('--test-best', action='store_true',
                        help='after training, test the best val checkpoint')
    parser.add_argument('--test-last', action='store_true',
                        help='after training, test the final weights (before '
                        '--test-best loads the best)')
    parser.add_argument('--out-last', metavar='JSON',
                        help='with --test-last: also write its test metrics '
                        'to this JSON file')
    parser.add_argument('--out', metavar='JSON',
                        help='with --test-best: also write the test metrics '
                        'to this JSON file')
    add_runner_arguments(parser)
    args = parse_runner_arguments(parser, argv)
    if args.out and not args.test_best:
        parser.error('--out needs --test-best')
    if args.out_last and not args.test_last:
        parser.error('--out-last needs --test-last')
    cfg = load_experiment_config(args.config, args.work_dir, args.cfg_options,
                                 args.launcher, args.resume, args.amp)
    setup_cpu_distributed(cfg)
    # `runner_type='FlexibleRunner'` (with a `strategy`: FSDP, DeepSpeed)
    # selects MMEngine's flexible runner; see docs/distributed.md.
    runner = (RUNNERS.build(cfg) if 'runner_type' in cfg else
              Runner.from_cfg(cfg))
    runner.train()
    if args.test_last:
        runner.logger.info('testing the final weights')
        write_metrics(runner, runner.test(), args.out_last)
    if args.test_best:
        write_metrics(runner, test_best_checkpoint(runner), args.out)


def write_metrics(runner: Runner, metrics: dict, path: str) -> None:
    """Write test metrics to ``path`` (if given) from rank 0."""
    if path and runner.rank == 0:
        with open(path, 'w', encoding='utf-8') as file:
            json.dump(metrics, file, indent=1)



if __name__ == '__main__':
    sys.exit(run_tool(main))
