"""Choose the checkpoint ``--resume`` continues from, skipping corrupt ones.

:class:`~amnsfw.engine.AtomicCheckpointHook` never leaves a torn checkpoint
behind, but a file can still be damaged afterwards (a failing disk, a copy
cut short). MMEngine resumes from whatever ``last_checkpoint`` names and
fails deep inside ``torch.load``; :func:`resumable_checkpoint` checks the
newest one first and falls back to the previous epoch or iteration
checkpoint, with a warning.
"""
import glob
import logging
import os.path as osp
import re
import zipfile
from typing import List, Optional

from mmengine.logging import print_log
from mmengine.runner import find_latest_checkpoint

from amnsfw.errors import CheckpointError

#: Resumable checkpoints (with optimizer state), as CheckpointHook names
#: them; best checkpoints hold weights only.
_STEP_CHECKPOINT = re.compile(r'^(?:epoch|iter)_(\d+)\.pth$')


def checkpoint_problem(path: str) -> Optional[str]:
    """Why the checkpoint file ``path`` cannot be loaded, or None.

    Checks that it exists and that every member of PyTorch's zip format
    matches its CRC, without unpickling it. Folders (sharded checkpoints)
    are left to their loader.
    """
    if osp.isdir(path):
        return None
    if not osp.isfile(path):
        return 'file not found'
    if osp.getsize(path) == 0:
        return 'the file is empty (0 bytes)'
    try:
        with zipfile.ZipFile(path) as archive:
            bad = archive.testzip()
    except (zipfile.BadZipFile, OSError, EOFError) as error:
        return f'not a readable PyTorch checkpoint ({error})'
    if bad is not None:
        return f'corrupt: member {bad!r} fails its CRC check'
    return None


def require_loadable(path: str, purpose: str) -> None:
    """Raise :class:`CheckpointError` unless the local checkpoint ``path``
    can be loaded (remote ``scheme://`` paths are left to their loader).

    Args:
        path (str): The checkpoint.
        purpose (str): What it is for, for the message (``'resume from'``,
            ``'test'``).
    """
    problem = None if '://' in path else checkpoint_problem(path)
    if problem is not None:
        raise CheckpointError(f'cannot {purpose} {path}: {problem}')


def step_checkpoints(work_dir: str) -> List[str]:
    """The work dir's ``epoch_N.pth`` / ``iter_N.pth``, newest first."""
    found = []
    for path in glob.glob(osp.join(glob.escape(work_dir), '*.pth')):
        match = _STEP_CHECKPOINT.match(osp.basename(path))
        if match:
            found.append((int(match.group(1)), path))
    return [path for _, path in sorted(found, reverse=True)]


def resumable_checkpoint(work_dir: str) -> Optional[str]:
    """The newest loadable checkpoint of ``work_dir``.

    Args:
        work_dir (str): The run's work dir.

    Returns:
        str | None: ``last_checkpoint``'s target when it loads, else the
        newest loadable epoch / iteration checkpoint (logged as a warning);
        None when the work dir has no ``last_checkpoint`` (a fresh start).

    Raises:
        CheckpointError: ``last_checkpoint`` names a checkpoint that cannot
            be loaded and no older one can.
    """
    latest = find_latest_checkpoint(work_dir)
    if latest is None:
        return None
    problem = checkpoint_problem(latest)
    if problem is None:
        return latest
    for candidate in step_checkpoints(work_dir):
        if candidate != latest and checkpoint_problem(candidate) is None:
            print_log(
                f'the newest checkpoint {latest} cannot be loaded ({problem});'
                f' resuming from the previous good one, {candidate}',
                logger='current', level=logging.WARNING)
            return candidate
    raise CheckpointError(
        f'cannot resume in {work_dir}: its newest checkpoint {latest} '
        f'cannot be loaded ({problem}) and no older epoch_*/iter_* '
        'checkpoint can; start afresh in a new --work-dir, or pass a '
        'checkpoint with --resume CKPT')
