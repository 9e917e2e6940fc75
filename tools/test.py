"""Evaluate a checkpoint on a config's test split.

    python tools/test.py CONFIG CHECKPOINT [--work-dir DIR] [--out JSON]
        [--cfg-options key=value ...] [--launcher pytorch]
"""
import argparse
import json
import sys

from mmengine.registry import RUNNERS
from mmengine.runner import Runner

from amnsfw.cli_errors import run_tool
from amnsfw.engine.resumable_checkpoint import require_loadable
from amnsfw.engine import (add_runner_arguments, load_experiment_config,
                           parse_runner_arguments, setup_cpu_distributed)


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description='Test a checkpoint.')
    parser.add_argument('config', help='experiment config file')
    parser.add_argument('checkpoint', help='checkpoint to evaluate')
    parser.add_argument('--out', metavar='JSON',
                        help='also write the metrics to this JSON file')
    add_runner_arguments(parser)
    args = parse_runner_arguments(parser, argv)
    cfg = load_experiment_config(args.config, args.work_dir, args.cfg_options,
                                 args.launcher)
    require_loadable(args.checkpoint, 'test')
    cfg.load_from = args.checkpoint
    setup_cpu_distributed(cfg)
    # `runner_type='FlexibleRunner'` (with a `strategy`: FSDP, DeepSpeed)
    # selects MMEngine's flexible runner; see docs/distributed.md.
    runner = (RUNNERS.build(cfg) if 'runner_type' in cfg else
              Runner.from_cfg(cfg))
    metrics = runner.test()
    if args.out and runner.rank == 0:
        with open(args.out, 'w', encoding='utf-8') as file:
            json.dump(metrics, file, indent=1)
    return metrics


if __name__ == '__main__':
    sys.exit(run_tool(main))
