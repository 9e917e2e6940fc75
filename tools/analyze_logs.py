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
``--summary-key`` value on val with its epoch, and the last one.
"""
import argparse
import itertools
import json
import os
import os.path as osp
import sys
from dataclasses import dataclass, field
from glob import escape, glob
from typing import Dict, List, Optional, Sequence

from amnsfw.cli_errors import add_debug_argument, run_tool

#: Quantity groups, in subplot order, and the x axis each is drawn against.
GROUPS = (('losses', 'iteration'), ('learning rate', 'iteration'),
          ('other training scalars', 'iteration'),
          ('validation metrics', 'epoch (iteration-based runs: iteration)'))
LINE_STYLES = ('-', '--', ':', '-.')
SUMMARY_KEY = 'retrieval/R1'


@dataclass
class RunLog:
    """The scalars of one run.

    Args:
        label (str): The run's name in the plot and the summary.
        path (str): Its ``scalars.json``.
        train (list[dict]): Training lines, in file order.
        val (list[dict]): Validation lines, in file order.
    """

    label: str
    path: str
    train: List[dict] = field(default_factory=list)
    val: List[dict] = field(default_factory=list)


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


def find_scalars(path: str) -> str:
    """The ``scalars.json`` of a work dir (its newest timestamp folder's),
    of a timestamp folder, or ``path`` itself when it is a file.

    Args:
        path (str): A work dir, a timestamp folder or a ``scalars.json``.

    Returns:
        str: The ``scalars.json`` path.
    """
    if osp.isfile(path):
        return path
    if not osp.isdir(path):
        raise FileNotFoundError(f'no such log file or work dir: {path}')
    own = osp.join(path, 'vis_data', 'scalars.json')
    if osp.isfile(own):
        return own
    found = sorted(glob(osp.join(escape(path), '*', 'vis_data',
                                 'scalars.json')))
    if not found:
        raise FileNotFoundError(
            f'{path} holds no */vis_data/scalars.json (MMEngine writes it '
            'under <work_dir>/<timestamp>/ once training logs)')
    return found[-1]


def run_label(scalars: str) -> str:
    """The work dir's name for ``<work_dir>/<timestamp>/vis_data/
    scalars.json``; otherwise the file's folder's name."""
    folder = osp.dirname(osp.abspath(scalars))
    if osp.basename(folder) == 'vis_data':
        return osp.basename(osp.dirname(osp.dirname(folder)))
    return osp.basename(folder)


def read_run(scalars: str, label: str) -> RunLog:
    """Split a ``scalars.json`` into training and validation lines.

    A training line has ``epoch`` or ``iter``; any other line is a
    validation line. A last line that is not valid JSON is skipped with a
    warning (a run still writing it); any other such line is an error.

    Args:
        scalars (str): The file.
        label (str): The run's name.

    Returns:
        RunLog: The run's lines.
    """
    run = RunLog(label=label, path=scalars)
    with open(scalars, encoding='utf-8') as file:
        lines = [(number, line) for number, line in enumerate(file, start=1)
                 if line.strip()]
    for position, (number, line) in enumerate(lines):
        try:
            entry = json.loads(line)
        except json.JSONDecodeError as error:
            if position == len(lines) - 1:
                print(f'warning: {scalars}:{number}: skipping an unfinished '
                      'last line', file=sys.stderr)
                continue
            raise ValueError(f'{scalars}:{number}: not a JSON object '
                             f'({error})') from error
        if not isinstance(entry, dict):
            raise ValueError(f'{scalars}:{number}: expected a JSON object, '
                             f'got {type(entry).__name__}')
        (run.train if 'epoch' in entry or 'iter' in entry else
         run.val).append(entry)
    if not run.train and not run.val:
        raise ValueError(f'{scalars} has no logged scalars yet')
    return run


def val_epoch(entry: dict) -> int:
    """The epoch of a validation line (MMEngine logs it as ``step``)."""
    return entry.get('epoch', entry['step'])


def train_iter(entry: dict) -> int:
    """The iteration of a training line."""
    return entry.get('iter', entry.get('step'))


def default_keys(runs: Sequence[RunLog], summary_key: str) -> List[str]:
    """Every ``loss*`` key (``loss`` first), ``lr`` and ``summary_key``
    that some run logged."""
    train_keys = {key for run in runs for entry in run.train for key in entry}
    val_keys = {key for run in runs for entry in run.val for key in entry}
    losses = sorted((key for key in train_keys if key.startswith('loss')),
                    key=lambda key: (key != 'loss', key))
    return (losses + [key for key in ('lr', ) if key in train_keys]
            + [key for key in (summary_key, ) if key in val_keys])


def group_of(key: str, runs: Sequence[RunLog]) -> str:
    """The subplot of a key: validation metrics if any run's validation
    logs it, else losses, learning rate or other training scalars."""
    if any(key in entry for run in runs for entry in run.val):
        return 'validation metrics'
    if key.startswith('loss'):
        return 'losses'
    if key == 'lr' or key.endswith('_lr') or key.endswith('/lr'):
        return 'learning rate'
    return 'other training scalars'


def summarize(run: RunLog, summary_key: str) -> Dict:
    """Epochs, final loss, best and last value of ``summary_key`` on val.

    Args:
        run (RunLog): The run.
        summary_key (str): The val metric, e.g. ``'retrieval/R1'``.

    Returns:
        dict: ``label``, ``epochs`` (the last training epoch, else the
        number of validations), ``final_loss``, ``best`` and ``best_epoch``
        (the first epoch reaching it), ``last``; None where not logged.
    """
    epochs = [entry['epoch'] for entry in run.train if 'epoch' in entry]
    losses = [entry['loss'] for entry in run.train if 'loss' in entry]
    val = [(val_epoch(entry), entry[summary_key]) for entry in run.val
           if summary_key in entry]
    best = max(val, key=lambda item: item[1]) if val else (None, None)
    return dict(label=run.label,
                epochs=max(epochs) if epochs else len(val) or None,
                final_loss=losses[-1] if losses else None,
                best=best[1], best_epoch=best[0],
                last=val[-1][1] if val else None)


def format_summaries(summaries: Sequence[Dict], summary_key: str) -> str:
    """The summaries as an aligned text table."""

    def number(value, digits: int) -> str:
        return '-' if value is None else f'{value:.{digits}f}'

    header = ['run', 'epochs', 'final loss', f'best {summary_key} (epoch)',
              f'last {summary_key}']
    rows = [[s['label'], '-' if s['epochs'] is None else str(s['epochs']),
             number(s['final_loss'], 4),
             '-' if s['best'] is None else
             f"{s['best']:.2f} ({s['best_epoch']})", number(s['last'], 2)]
            for s in summaries]
    widths = [max(len(row[i]) for row in [header] + rows)
              for i in range(len(header))]
    return '\n'.join('  '.join(cell.ljust(width) for cell, width in
                               zip(row, widths)).rstrip()
                     for row in [header] + rows)


def plot(runs: Sequence[RunLog], keys: Sequence[str], out: str) -> None:
    """Draw every key of every run into ``out``, one subplot per group.

    Args:
        runs (Sequence[RunLog]): The runs.
        keys (Sequence[str]): The quantities.
        out (str): The PNG to write; missing folders are created.
    """
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    grouped = {name: [key for key in keys if group_of(key, runs) == name]
               for name, _ in GROUPS}
    panels = [(name, axis) for name, axis in GROUPS if grouped[name]]
    figure, axes = plt.subplots(len(panels), 1, squeeze=False,
                                figsize=(9, 3.2 * len(panels)))
    colours = plt.rcParams['axes.prop_cycle'].by_key()['color']
    for ax, (name, axis) in zip(axes[:, 0], panels):
        for number, run in enumerate(runs):
            for style, key in zip(itertools.cycle(LINE_STYLES),
                                  grouped[name]):
                if axis.startswith('epoch'):
                    points = [(val_epoch(entry), entry[key])
                              for entry in run.val if key in entry]
                else:
                    points = [(train_iter(entry), entry[key])
                              for entry in run.train if key in entry]
                if not points:
                    continue
                xs, ys = zip(*points)
                ax.plot(xs, ys, linestyle=style,
                        marker='o' if axis.startswith('epoch') else None,
                        markersize=3, color=colours[number % len(colours)],
                        label=f'{run.label}: {key}')
        ax.set_title(name)
        ax.set_xlabel(axis)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    figure.tight_layout()
    os.makedirs(osp.dirname(osp.abspath(out)), exist_ok=True)
    figure.savefig(out, dpi=110)
    plt.close(figure)


def main(argv: Optional[Sequence[str]] = None) -> List[Dict]:
    """Plot, print the summary table and return the summaries.

    Args:
        argv (Sequence[str], optional): Arguments; None reads ``sys.argv``.
            Defaults to None.

    Returns:
        list[dict]: One :func:`summarize` result per run.
    """
    args = parse_args(argv)
    try:
        paths = [find_scalars(path) for path in args.logs]
        labels = args.labels or [run_label(path) for path in paths]
        runs = [read_run(path, label) for path, label in zip(paths, labels)]
    except (OSError, ValueError) as error:
        raise SystemExit(f'analyze_logs.py: error: {error}') from error
    keys = args.keys or default_keys(runs, args.summary_key)
    logged = {key for run in runs for entry in run.train + run.val
              for key in entry}
    missing = [key for key in keys if key not in logged]
    if missing or not keys:
        raise SystemExit(
            f'analyze_logs.py: error: no run logged {missing or "any key"}; '
            f'the logs have {sorted(logged)}')
    plot(runs, keys, args.out)
    summaries = [summarize(run, args.summary_key) for run in runs]
    for run in runs:
        print(f'{run.label}: {run.path}')
    print(format_summaries(summaries, args.summary_key))
    print(f'plot written to {args.out}')
    return summaries


if __name__ == '__main__':
    sys.exit(run_tool(main))
