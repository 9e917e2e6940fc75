"""Plot and summarise the training logs of one or several runs.

Reads MMEngine's JSON log, ``<work_dir>/<timestamp>/vis_data/scalars.json``
(one JSON object per line: training lines carry ``lr``, ``loss``,
``loss_*``, ``epoch``, ``iter`` and ``step``; validation lines the metrics,
e.g. ``retrieval/R1``, with ``step`` = the epoch)::

    python tools/analyze_logs.py work_dirs/noise_robustness/amns_noise0_* \\
        work_dirs/noise_robustness/amns_noise50_* --out amns.png
    python tools/analyze_logs.py RUN --keys loss loss_sdm retrieval/R1

Each argument is a work dir (its newest ``*/vis_data/scalars.json``, by
timestamp folder name) or a ``scalars.json`` itself. The PNG has one subplot
per group of quantities: losses (``loss*``), learning rate (``lr``), other
training scalars, all against the iteration, and validation metrics against
the epoch; one colour per run, one line style per quantity. Runs are labelled
by their work dir's name, or by ``--labels``.

Usage::

    python tools/analyze_logs.py WORK_DIR_OR_SCALARS_JSON [...]
        [--keys KEY ...] [--labels LABEL ...] [--summary-key retrieval/R1]
        [--out analyze_logs.png]

Prints per run: the epochs trained, the final training loss, the best
``--summary-key`` value on val with its epoch, and the last one. The work is
:func:`amnsfw.analysis.log_summary.analyze_logs`'s.
"""
import argparse
import sys
from typing import Dict, List, Optional, Sequence

from amnsfw.analysis.log_summary import (SUMMARY_KEY, analyze_logs,
                                         describe_logs)
from amnsfw.cli_errors import add_debug_argument, run_tool


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    """Parse the command line.

    Args:
        argv (Sequence[str], optional): Arguments; None reads ``sys.argv``.
            Defaults to None.

    Returns:
        argparse.Namespace: The parsed options.
    """
    parser = argparse.ArgumentParser(
        description='Plot losses, learning rate and val metrics of runs.')
    parser.add_argument('logs', nargs='+', metavar='WORK_DIR_OR_SCALARS_JSON',
                        help='work dirs or scalars.json files, one per run')
    parser.add_argument('--keys', nargs='+', metavar='KEY',
                        help='quantities to plot; defaults to every loss*, '
                        'lr and the summary key')
    parser.add_argument('--labels', nargs='+', metavar='LABEL',
                        help='run names, one per log; defaults to the work '
                        "dirs' names")
    parser.add_argument('--summary-key', default=SUMMARY_KEY,
                        help='val metric of the summary; defaults to '
                        f'{SUMMARY_KEY}')
    parser.add_argument('--out', default='analyze_logs.png',
                        help='PNG to write; defaults to analyze_logs.png')
    add_debug_argument(parser)
    args = parser.parse_args(argv)
    if args.labels is not None and len(args.labels) != len(args.logs):
        parser.error(f'--labels needs one label per log: got '
                     f'{len(args.labels)} labels for {len(args.logs)} logs')
    return args


def main(argv: Optional[Sequence[str]] = None) -> List[Dict]:
    """Plot, print the summary table and return the summaries.

    Args:
        argv (Sequence[str], optional): Arguments; None reads ``sys.argv``.
            Defaults to None.

    Returns:
        list[dict]: One :func:`~amnsfw.analysis.log_summary.summarize`
        result per run.
    """
    args = parse_args(argv)
    try:
        analysis = analyze_logs(args.logs, keys=args.keys, labels=args.labels,
                                summary_key=args.summary_key, out=args.out)
    except (OSError, ValueError) as error:
        raise SystemExit(f'analyze_logs.py: error: {error}') from error
    print(describe_logs(analysis))
    return analysis.summaries


if __name__ == '__main__':
    sys.exit(run_tool(main))
