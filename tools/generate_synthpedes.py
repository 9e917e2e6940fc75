"""Generate the SynthPEDES data set under a data root, in a native format.

Example::

    python tools/generate_synthpedes.py --root data --seed 0
    python tools/generate_synthpedes.py --root data --format icfg-pedes

``--format`` picks the native format and folder: ``cuhk-pedes`` (default,
``<root>/SynthPEDES/reid_raw.json``), ``icfg-pedes``
(``<root>/SynthPEDES-ICFG/ICFG-PEDES.json``: no val split, the val
identities are written as train) or ``rstpreid``
(``<root>/SynthPEDES-RSTP/data_captions.json``).

An existing data set with the same parameters is reused; ``--force``
regenerates it.
"""
import argparse
import sys
from typing import List, Optional

from amnsfw.cli_errors import add_debug_argument, run_tool
from amnsfw.datasets.synthpedes import generate_synthpedes
from amnsfw.datasets.synthpedes.generate import DEFAULT_FORMAT, FORMATS


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    """Parse the command line.

    Args:
        argv (list[str], optional): Arguments; None reads ``sys.argv``.
            Defaults to None.

    Returns:
        argparse.Namespace: The parsed options.
    """
    parser = argparse.ArgumentParser(
        description='Generate SynthPEDES, a synthetic pedestrian data set '
        'in a native format (CUHK-PEDES by default, at <root>/SynthPEDES).')
    parser.add_argument('--root', default='data', help='data root folder')
    parser.add_argument('--seed', type=int, default=0, help='random seed')
    parser.add_argument('--train-ids', type=int, default=1000)
    parser.add_argument('--val-ids', type=int, default=100)
    parser.add_argument('--test-ids', type=int, default=200)
    parser.add_argument('--images-per-id', type=int, default=4)
    parser.add_argument(
        '--height', type=int, default=192, help='image height in pixels')
    parser.add_argument(
        '--width', type=int, default=64, help='image width in pixels')
    parser.add_argument(
        '--format',
        choices=list(FORMATS),
        default=DEFAULT_FORMAT,
        help='native format to write: ' + ', '.join(
            f'{name} -> <root>/{fmt.dataset_name}/{fmt.ann_file}'
            for name, fmt in FORMATS.items()))
    parser.add_argument(
        '--force',
        action='store_true',
        help='regenerate even if an identical data set '
        'exists')
    add_debug_argument(parser)
    return parser.parse_args(argv)


def main(argv: Optional[List[str]] = None) -> int:
    """Generate (or find) the data set and print its summary.

    Args:
        argv (list[str], optional): Arguments; None reads ``sys.argv``.
            Defaults to None.

    Returns:
        int: The exit status, 0 on success.
    """
    args = parse_args(argv)
    summary = generate_synthpedes(
        args.root,
        seed=args.seed,
        num_train_ids=args.train_ids,
        num_val_ids=args.val_ids,
        num_test_ids=args.test_ids,
        images_per_id=args.images_per_id,
        image_size=(args.height, args.width),
        force=args.force,
        format=args.format)
    if not summary.generated:
        print(f'{summary.path} already holds SynthPEDES with these '
              'parameters; skipped generation (use --force to regenerate).')
    print(summary.format_table())
    return 0


if __name__ == '__main__':
    sys.exit(run_tool(main))
