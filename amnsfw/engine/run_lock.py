"""One training at a time per work dir: a lock file naming its owner."""
import json
import logging
import os
import os.path as osp
import socket
import time
from typing import Optional

from mmengine.logging import print_log

from amnsfw.errors import InputError

#: The lock's file name inside the work dir.
LOCK_NAME = '.amnsfw-train.lock'


class RunLockedError(InputError, RuntimeError):
    """Another live training holds the work dir."""


def process_alive(pid: int) -> bool:
    """Whether process ``pid`` exists on this host."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by another user
        return True
    return True


class RunLock:
    """A lock file in a work dir holding the training's pid, host, start
    time and SLURM job id.

    :meth:`acquire` creates it atomically (``O_EXCL``). An existing lock of a
    live process makes it raise :class:`RunLockedError` naming that process.
    A stale lock is taken over with a warning: one of this host whose
    process is gone (a killed run), one of the same SLURM job (a requeued
    job, whose earlier incarnation SLURM has ended), or one of another host
    (whose processes cannot be checked) that its holder has not refreshed
    (:meth:`refresh`) for ``stale_after`` seconds.

    Args:
        work_dir (str): The run's work dir.
        stale_after (float): Seconds without a refresh after which another
            host's lock is stale. Defaults to 900.
    """

    def __init__(self, work_dir: str, stale_after: float = 900.0) -> None:
        self.path = osp.join(work_dir, LOCK_NAME)
        self.stale_after = stale_after
        self.held = False

    def owner(self) -> Optional[dict]:
        """The lock's content (``pid``, ``host``, ``started``), or None
        when there is no lock; an unreadable lock reads as ``{}``."""
        try:
            with open(self.path, encoding='utf-8') as file:
                owner = json.load(file)
        except FileNotFoundError:
            return None
        except (OSError, ValueError):
            return {}
        return owner if isinstance(owner, dict) else {}

    def acquire(self) -> None:
        """Take the lock (see the class)."""
        os.makedirs(osp.dirname(self.path), exist_ok=True)
        content = json.dumps(dict(
            pid=os.getpid(), host=socket.gethostname(),
            started=time.strftime('%Y-%m-%dT%H:%M:%S%z'),
            slurm_job=os.environ.get('SLURM_JOB_ID')))
        for _ in range(3):
            try:
                fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL,
                             0o644)
            except FileExistsError:
                self._take_over_if_stale()
                continue
            with os.fdopen(fd, 'w', encoding='utf-8') as file:
                file.write(content)
            self.held = True
            return
        raise RunLockedError(f'could not take the lock {self.path}')

    def _take_over_if_stale(self) -> None:
        """Remove a stale lock; raise :class:`RunLockedError` for a live
        one."""
        owner = self.owner()
        if owner == {}:  # maybe being written by its owner right now
            time.sleep(0.2)
            owner = self.owner()
        if owner is None:
            return
        pid, host = owner.get('pid'), owner.get('host')
        here = socket.gethostname()
        job = os.environ.get('SLURM_JOB_ID')
        # Unreadable; this host's and its process is gone (or is this one:
        # an earlier run of this process that raised); this SLURM job's
        # earlier incarnation; or another host's, not refreshed for long.
        stale = (owner == {} or (host == here and isinstance(pid, int) and (
            pid == os.getpid() or not process_alive(pid)))
            or (job is not None and owner.get('slurm_job') == job)
            or (host != here and self._age() > self.stale_after))
        if not stale:
            raise RunLockedError(
                f'the work dir {osp.dirname(self.path)} is in use by another '
                f'training: process {pid} on host {host}, started '
                f'{owner.get("started", "?")} (lock file {self.path}); wait '
                'for it, stop it, or train in another --work-dir (a lock of '
                f'another host counts as stale {self.stale_after:.0f} s '
                'after its last refresh)')
        print_log(
            f'taking over the stale lock {self.path} of process {pid} on '
            f'{host} (started {owner.get("started", "?")}), whose training '
            'no longer runs', logger='current', level=logging.WARNING)
        try:
            os.remove(self.path)
        except FileNotFoundError:
            pass

    def _age(self) -> float:
        """Seconds since the lock was last written or refreshed."""
        try:
            return time.time() - os.path.getmtime(self.path)
        except OSError:
            return float('inf')

    def refresh(self) -> None:
        """Mark the lock as still held (its modification time)."""
        if self.held:
            os.utime(self.path)

    def release(self) -> None:
        """Delete the lock if this process holds it."""
        if not self.held:
            return
        self.held = False
        owner = self.owner()
        if owner and owner.get('pid') == os.getpid():
            os.remove(self.path)
