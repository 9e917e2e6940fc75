"""Read MMEngine's JSON log of a run, ``<work_dir>/<timestamp>/vis_data/
scalars.json``: one JSON object per line; training lines carry ``lr``,
``loss``, ``loss_*``, ``epoch``, ``iter`` and ``step``, validation lines the
metrics (e.g. ``retrieval/R1``) with ``step`` = the epoch.

The one reader of these logs: ``tools/analyze_logs.py`` plots and summarises
them, ``benchmarks/noise_robustness.py`` reads its runs' curves from them.
"""
import json
import os.path as osp
import sys
from dataclasses import dataclass, field
from glob import escape, glob
from typing import Dict, List


@dataclass
class RunLog:
    """The scalars of one run.

    Args:
        label (str): The run's name in plots and summaries.
        path (str): Its ``scalars.json``.
        train (list[dict]): Training lines, in file order.
        val (list[dict]): Validation lines, in file order.
    """

    label: str
    path: str
    train: List[dict] = field(default_factory=list)
    val: List[dict] = field(default_factory=list)


def scalars_files(work_dir: str) -> List[str]:
    """Every ``*/vis_data/scalars.json`` of a work dir, oldest first (by
    timestamp folder name): a resumed run writes one per start."""
    return sorted(glob(osp.join(escape(str(work_dir)), '*', 'vis_data',
                                'scalars.json')))


def find_scalars(path: str) -> str:
    """The ``scalars.json`` of a work dir (its newest timestamp folder's),
    of a timestamp folder, or ``path`` itself when it is a file.

    Args:
        path (str): A work dir, a timestamp folder or a ``scalars.json``.

    Returns:
        str: The ``scalars.json`` path.

    Raises:
        FileNotFoundError: ``path`` is none of these.
    """
    if osp.isfile(path):
        return path
    if not osp.isdir(path):
        raise FileNotFoundError(f'no such log file or work dir: {path}')
    own = osp.join(path, 'vis_data', 'scalars.json')
    if osp.isfile(own):
        return own
    found = scalars_files(path)
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


def read_scalars(scalars: str) -> List[dict]:
    """The logged lines of a ``scalars.json``, in file order.

    Blank lines are skipped. A last line that is not valid JSON is skipped
    with a warning on stderr (a run still writing it); any other such line
    is an error.

    Args:
        scalars (str): The file.

    Returns:
        list[dict]: One dict per line.

    Raises:
        ValueError: A line before the last is not a JSON object.
    """
    with open(scalars, encoding='utf-8') as file:
        lines = [(number, line) for number, line in enumerate(file, start=1)
                 if line.strip()]
    entries = []
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
        entries.append(entry)
    return entries


def read_run(scalars: str, label: str) -> RunLog:
    """Split a ``scalars.json`` into training and validation lines.

    A training line has ``epoch`` or ``iter``; any other line is a
    validation line.

    Args:
        scalars (str): The file.
        label (str): The run's name.

    Returns:
        RunLog: The run's lines.

    Raises:
        ValueError: A line is not a JSON object (see :func:`read_scalars`),
            or there is no line yet.
    """
    run = RunLog(label=label, path=scalars)
    for entry in read_scalars(scalars):
        (run.train if 'epoch' in entry or 'iter' in entry else
         run.val).append(entry)
    if not run.train and not run.val:
        raise ValueError(f'{scalars} has no logged scalars yet')
    return run


def epoch_scalars(work_dir: str, key: str = 'retrieval/R1') -> List[dict]:
    """The validation lines of every epoch of a run, in epoch order.

    Reads every ``scalars.json`` of the work dir (:func:`scalars_files`);
    the latest line of an epoch wins, so a resumed run counts each epoch
    once.

    Args:
        work_dir (str): The run's work dir.
        key (str): A metric every validation line logs. Defaults to
            ``'retrieval/R1'``.

    Returns:
        list[dict]: The lines with ``key``, one per ``step``.
    """
    by_epoch: Dict[int, dict] = {}
    for path in scalars_files(work_dir):
        for entry in read_scalars(path):
            if key in entry:
                by_epoch[entry['step']] = entry
    return [by_epoch[step] for step in sorted(by_epoch)]


def val_epoch(entry: dict) -> int:
    """The epoch of a validation line (MMEngine logs it as ``step``)."""
    return entry.get('epoch', entry['step'])


def train_iter(entry: dict) -> int:
    """The iteration of a training line."""
    return entry.get('iter', entry.get('step'))
