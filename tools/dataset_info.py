"""Print the sizes of a data set's splits, compare them with the real one and
say whether it is usable.

Example::

    python tools/dataset_info.py cuhk-pedes data/CUHK-PEDES --check-images
    python tools/dataset_info.py icfg-pedes data/SynthPEDES-ICFG --json

The data set is a format name (``cuhk-pedes``, ``icfg-pedes``,
``rstpreid``) or a reader type name (``CUHKPEDES``...). Per split it prints
identities / images / captions, then the sizes found against those of the
real data set (METHOD.md section 2) with OK / DIFFERS: a generated set such
as SynthPEDES always differs. For ICFG-PEDES it also prints the val split
the reader carves from train. A split of the format without records is an
error. ``--check-images`` decodes every image (``--workers`` processes, a
progress bar on stderr) and lists the missing, empty and corrupt ones with
their record. ``--json`` prints the same report as one JSON object.

Exit status: 0 when the data set is usable; 1 when a split is empty or
missing, or ``--check-images`` finds unusable images; 2 when the annotation
file cannot be read or parsed (one line on stderr; ``--debug`` shows the
traceback). The work is :func:`amnsfw.datasets.dataset_report.
dataset_report`'s.
"""
import argparse
import json
import os
import sys
from typing import List, Optional

from amnsfw.cli_errors import add_debug_argument, run_tool
from amnsfw.datasets.dataset_report import dataset_report


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    """Parse the command line.

    Args:
        argv (list[str], optional): Arguments; None reads ``sys.argv``.
            Defaults to None.

    Returns:
        argparse.Namespace: The parsed options.
    """
    parser = argparse.ArgumentParser(
        description='Print split sizes of a text-to-image person search '
        'data set, compare them with the real data set and check that it '
        'is usable.')
    parser.add_argument(
        'dataset',
        help='cuhk-pedes, icfg-pedes, rstpreid or a reader type name')
    parser.add_argument('data_root', help='the data set folder')
    parser.add_argument(
        '--ann-file', help='annotation file relative to DATA_ROOT '
        "(default: the format's own)")
    parser.add_argument(
        '--check-images',
        action='store_true',
        help='decode every image; report missing, empty and corrupt ones')
    parser.add_argument(
        '--workers', type=int, default=min(8, os.cpu_count() or 1),
        help='processes decoding images (default: min(8, CPUs))')
    parser.add_argument(
        '--json', action='store_true',
        help='print the report as one JSON object on stdout')
    add_debug_argument(parser)
    return parser.parse_args(argv)


def main(argv: Optional[List[str]] = None) -> int:
    """Print the report.

    Args:
        argv (list[str], optional): Arguments; None reads ``sys.argv``.
            Defaults to None.

    Returns:
        int: The exit status: 0 when usable, 1 when not.
    """
    args = parse_args(argv)
    report = dataset_report(args.dataset, args.data_root,
                            ann_file=args.ann_file,
                            check_images=args.check_images,
                            workers=args.workers)
    print(json.dumps(report.to_json(), indent=1, ensure_ascii=False)
          if args.json else report.format())
    return 0 if report.usable else 1


if __name__ == '__main__':
    sys.exit(run_tool(main))
