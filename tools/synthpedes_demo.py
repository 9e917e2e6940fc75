"""The main job on built-in data: generate SynthPEDES if absent, fine-tune the
model zoo's pretrained tiny CLIP on it, select a checkpoint on val, test it
once and print the metrics next to the pretrained model's (zero-shot), the
generator's oracle and chance.

    python tools/synthpedes_demo.py [--config CONFIG] [--work-dir DIR]
        [--cfg-options k=v ...]

SynthPEDES is written to ``data/SynthPEDES`` (the path the config reads).
"""
import argparse
import sys
import time

from mmengine.config import DictAction
from mmengine.runner import Runner

from amnsfw.cli_errors import add_debug_argument, run_tool
from amnsfw.datasets.synthpedes import generate_synthpedes
from amnsfw.engine import load_experiment_config, test_best_checkpoint

DEFAULT_CONFIG = 'configs/itc/itc_tinyclip_8e_synthpedes.py'
METRICS = ('R1', 'R5', 'R10', 'mAP', 'mINP')


def format_table(zero_shot: dict, fine_tuned: dict, summary) -> str:
    """The pretrained and fine-tuned test metrics beside the oracle and
    chance, as a small table."""
    test = summary.splits['test']

    def row(label: str, metrics: dict) -> str:
        return f'{label:12}' + ''.join(
            f'{metrics[f"retrieval/{name}"]:8.2f}' for name in METRICS)

    rows = [
        f'SynthPEDES test: {test.images} gallery images, {test.captions} '
        f'queries, {test.ids} identities (t2i, %)',
        f'{"":12}' + ''.join(f'{name:>8}' for name in METRICS),
        row('zero-shot', zero_shot),
        row('fine-tuned', fine_tuned),
        f'{"oracle":12}{summary.oracle_r1:8.2f}{"":16}'
        f'{summary.oracle_map:8.2f}',
        f'{"chance":12}{summary.chance_r1:8.2f}',
    ]
    return '\n'.join(rows)


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--config', default=DEFAULT_CONFIG)
    parser.add_argument('--work-dir', default='work_dirs/synthpedes_demo')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='config overrides, key=value')
    add_debug_argument(parser)
    args = parser.parse_args(argv)
    start = time.time()
    summary = generate_synthpedes('data')
    print(summary)
    runner = Runner.from_cfg(
        load_experiment_config(args.config, args.work_dir, args.cfg_options))
    # The test loop on the model as the config builds it (the zoo's
    # pretrained towers), before training; the run hooks (logging paths)
    # are set up here, and again, idempotently, by train().
    runner.call_hook('before_run')
    zero_shot = runner.test_loop.run()
    runner.train()
    metrics = test_best_checkpoint(runner)
    print(format_table(zero_shot, metrics, summary))
    print(f'total time {time.time() - start:.0f} s')
    return metrics


if __name__ == '__main__':
    sys.exit(run_tool(main))
