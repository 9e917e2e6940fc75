"""Evaluate a checkpoint on a config's test split.

    python tools/test.py CONFIG CHECKPOINT [--work-dir DIR]
        [--cfg-options key=value ...] [--launcher pytorch]
"""
import argparse

from mmengine.registry import RUNNERS
from mmengine.runner import Runner

from amnsfw.engine import (add_runner_arguments, load_experiment_config,
                           parse_runner_arguments, setup_cpu_distributed)


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description='Test a checkpoint.')
    parser.add_argument('config', help='experiment config file')
    parser.add_argument('checkpoint', help='checkpoint to evaluate')
    add_runner_arguments(parser)
    args = parse_runner_arguments(parser, argv)
    cfg = load_experiment_config(args.config, args.work_dir, args.cfg_options,
                                 args.launcher)
    cfg.load_from = args.checkpoint
    setup_cpu_distributed(cfg)
    # `runner_type='FlexibleRunner'` (with a `strategy`: FSDP, DeepSpeed)
    # selects MMEngine's flexible runner; see docs/distributed.md.
    runner = (RUNNERS.build(cfg) if 'runner_type' in cfg else
              Runner.from_cfg(cfg))
    return runner.test()


if __name__ == '__main__':
    main()
