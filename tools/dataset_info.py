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
traceback).
"""
import argparse
import json
import os
import sys
from typing import List, Optional

from amnsfw.cli_errors import add_debug_argument, run_tool
from amnsfw.datasets.dataset_info import (FILE_VIEW_KWARGS, build_reader,
                                          compare_with_known, empty_splits,
                                          format_comparison,
                                          format_statistics, image_problems,
                                          resolve_type, split_statistics)
from amnsfw.errors import InputError

#: How many unusable images to print.
SHOW_PROBLEMS = 5


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
    try:
        dataset_type = resolve_type(args.dataset)
    except KeyError as error:
        raise InputError(
            f'unknown data set {args.dataset!r}: expected cuhk-pedes, '
            'icfg-pedes, rstpreid or a registered reader type name'
        ) from error
    kwargs = dict(ann_file=args.ann_file)
    reader = build_reader(dataset_type, args.data_root, **kwargs,
                          **FILE_VIEW_KWARGS.get(dataset_type, {}))
    records = reader.load_records()
    stats = split_statistics(records)
    comparisons = compare_with_known(dataset_type, stats)
    empty = empty_splits(reader, stats)
    problems = (image_problems(reader, records, args.workers)
                if args.check_images else [])
    usable = not empty and not problems
    served = None
    if dataset_type in FILE_VIEW_KWARGS:
        served = split_statistics(
            build_reader(dataset_type, args.data_root,
                         **kwargs).load_records())
    if args.json:
        print(json.dumps(dict(
            dataset=dataset_type, data_root=args.data_root,
            ann_file=reader.ann_file,
            splits={s: size._asdict() for s, size in stats.items()},
            served_splits=served and {
                s: size._asdict() for s, size in served.items()},
            matches_known_sizes=bool(comparisons) and all(
                row.ok for row in comparisons),
            empty_splits=empty, images_checked=args.check_images,
            num_images=len(records),
            unusable_images=[p._asdict() for p in problems],
            usable=usable), indent=1, ensure_ascii=False))
        return 0 if usable else 1
    print(f'{dataset_type} at {args.data_root} ({reader.ann_file})')
    print(format_statistics(stats))
    print(format_comparison(dataset_type, comparisons))
    if served is not None:
        print('as served by the reader with its default arguments '
              '(val carved from train by identity):')
        print(format_statistics(served))
    for split in empty:
        print(f'ERROR: split {split!r} has no records ({dataset_type} '
              f'needs {", ".join(reader.file_splits)})')
    if args.check_images:
        print(f'unusable images: {len(problems)} of {len(records)}')
        for p in problems[:SHOW_PROBLEMS]:
            print(f'  record {p.record} (split {p.split}, id {p.pid}): '
                  f'{p.path}: {p.problem}')
        if len(problems) > SHOW_PROBLEMS:
            print(f'  ... and {len(problems) - SHOW_PROBLEMS} more')
    print('usable' if usable else 'NOT USABLE')
    return 0 if usable else 1


if __name__ == '__main__':
    sys.exit(run_tool(main))
