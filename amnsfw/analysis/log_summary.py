"""Summarise and plot the training logs of runs: the work of
``tools/analyze_logs.py``.

Per run: the epochs trained, the final training loss, the best value of a
validation metric with its epoch, and the last one; the curves are drawn by
:func:`~amnsfw.visualization.log_curves.plot_runs`.
"""
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence

from amnsfw.visualization.log_curves import plot_runs
from .scalars_log import RunLog, find_scalars, read_run, run_label, val_epoch

#: The validation metric of the summary, unless told otherwise.
SUMMARY_KEY = 'retrieval/R1'


@dataclass
class LogAnalysis:
    """What :func:`analyze_logs` read, summarised and drew.

    Args:
        runs (list[RunLog]): The runs, in argument order.
        summaries (list[dict]): One :func:`summarize` result per run.
        summary_key (str): The summarised validation metric.
        out (str): The PNG written.
    """

    runs: List[RunLog]
    summaries: List[Dict]
    summary_key: str
    out: str


def default_keys(runs: Sequence[RunLog], summary_key: str) -> List[str]:
    """Every ``loss*`` key (``loss`` first), ``lr`` and ``summary_key``
    that some run logged."""
    train_keys = {key for run in runs for entry in run.train for key in entry}
    val_keys = {key for run in runs for entry in run.val for key in entry}
    losses = sorted((key for key in train_keys if key.startswith('loss')),
                    key=lambda key: (key != 'loss', key))
    return (losses + [key for key in ('lr', ) if key in train_keys]
            + [key for key in (summary_key, ) if key in val_keys])


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


def analyze_logs(logs: Sequence[str], keys: Optional[Sequence[str]] = None,
                 labels: Optional[Sequence[str]] = None,
                 summary_key: str = SUMMARY_KEY,
                 out: str = 'analyze_logs.png') -> LogAnalysis:
    """Read, plot and summarise the logs of runs.

    Args:
        logs (Sequence[str]): Work dirs or ``scalars.json`` files, one per
            run (:func:`~amnsfw.analysis.scalars_log.find_scalars`).
        keys (Sequence[str], optional): Quantities to plot. Defaults to
            None (:func:`default_keys`).
        labels (Sequence[str], optional): Run names, one per log. Defaults
            to None (the work dirs' names).
        summary_key (str): The summarised validation metric. Defaults to
            :data:`SUMMARY_KEY`.
        out (str): The PNG to write. Defaults to ``'analyze_logs.png'``.

    Returns:
        LogAnalysis: The runs and their summaries.

    Raises:
        FileNotFoundError: A log is missing.
        ValueError: A log is malformed or empty, or no run logged a key.
    """
    paths = [find_scalars(path) for path in logs]
    labels = labels or [run_label(path) for path in paths]
    runs = [read_run(path, label) for path, label in zip(paths, labels)]
    keys = keys or default_keys(runs, summary_key)
    logged = {key for run in runs for entry in run.train + run.val
              for key in entry}
    missing = [key for key in keys if key not in logged]
    if missing or not keys:
        raise ValueError(f'no run logged {missing or "any key"}; the logs '
                         f'have {sorted(logged)}')
    plot_runs(runs, keys, out)
    return LogAnalysis(runs=runs,
                       summaries=[summarize(run, summary_key)
                                  for run in runs],
                       summary_key=summary_key, out=out)


def describe_logs(analysis: LogAnalysis) -> str:
    """What the command line prints: each run's log, the summary table and
    where the plot went."""
    return '\n'.join(
        [f'{run.label}: {run.path}' for run in analysis.runs]
        + [format_summaries(analysis.summaries, analysis.summary_key),
           f'plot written to {analysis.out}'])
