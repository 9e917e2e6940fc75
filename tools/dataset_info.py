"""Print the sizes of a data set's splits and compare them with the real one.

Example::

    python tools/dataset_info.py cuhk-pedes data/CUHK-PEDES --check-images
    python tools/dataset_info.py icfg-pedes data/SynthPEDES-ICFG

The data set is a format name (``cuhk-pedes``, ``icfg-pedes``,
``rstpreid``) or a reader type name (``CUHKPEDES``...). Per split it prints
identities / images / captions, then the sizes found against those of the
real data set (METHOD.md section 2) with OK / DIFFERS: a generated set such
as SynthPEDES always differs. For ICFG-PEDES it also prints the val split
the reader carves from train. ``--check-images`` lists missing image files.

Exit status: 0, or 1 when ``--check-images`` finds missing images.
"""
import argparse
from typing import List, Optional

from amnsfw.datasets.dataset_info import (FILE_VIEW_KWARGS, build_reader,
                                          compare_with_known,
                                          format_comparison,
                                          format_statistics,
                                          missing_images, resolve_type,
                                          split_statistics)

#: How many missing image paths to print.
SHOW_MISSING = 5


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
        'data set and compare them with the real data set.')
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
        help='report image files that do not exist')
    return parser.parse_args(argv)


def main(argv: Optional[List[str]] = None) -> int:
    """Print the report.

    Args:
        argv (list[str], optional): Arguments; None reads ``sys.argv``.
            Defaults to None.

    Returns:
        int: The exit status: 1 when images are missing, else 0.
    """
    args = parse_args(argv)
    try:
        dataset_type = resolve_type(args.dataset)
    except KeyError:
        raise SystemExit(
            f'unknown data set {args.dataset!r}: expected cuhk-pedes, '
            'icfg-pedes, rstpreid or a registered reader type name')
    kwargs = dict(ann_file=args.ann_file)
    reader = build_reader(dataset_type, args.data_root, **kwargs,
                          **FILE_VIEW_KWARGS.get(dataset_type, {}))
    records = reader.load_records()
    stats = split_statistics(records)
    print(f'{dataset_type} at {args.data_root} ({reader.ann_file})')
    print(format_statistics(stats))
    print(format_comparison(dataset_type,
                            compare_with_known(dataset_type, stats)))
    if dataset_type in FILE_VIEW_KWARGS:
        served = build_reader(dataset_type, args.data_root, **kwargs)
        print('as served by the reader with its default arguments '
              '(val carved from train by identity):')
        print(format_statistics(split_statistics(served.load_records())))
    if not args.check_images:
        return 0
    missing = missing_images(reader, records)
    print(f'missing images: {len(missing)} of {len(records)}')
    for path in missing[:SHOW_MISSING]:
        print(f'  {path}')
    if len(missing) > SHOW_MISSING:
        print(f'  ... and {len(missing) - SHOW_MISSING} more')
    return 1 if missing else 0


if __name__ == '__main__':
    raise SystemExit(main())
