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
    """A lock file in a work dir holding the training's pid, host and start.

    :meth:`acquire` creates it atomically (``O_EXCL``). An existing lock of a
    live process, or of another host (whose processes cannot be checked),
    makes it raise :class:`RunLockedError` naming that process; a lock of
    this host whose process is gone (a killed run) is stale and taken over
    with a warning.

    Args:
        work_dir (str): The run's work dir.
    """

    def __init__(self, work_dir: str) -> None:
        self.path = osp.join(work_dir, LOCK_NAME)
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
            started=time.strftime('%Y-%m-%dT%H:%M:%S%z')))
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
        # Unreadable, or this host's and its process is gone (or is this
        # one: an earlier run of this process that raised).
        stale = owner == {} or (host == here and isinstance(pid, int) and (
            pid == os.getpid() or not process_alive(pid)))
        if not stale:
            raise RunLockedError(
                f'the work dir {osp.dirname(self.path)} is in use by another '
                f'training: process {pid} on host {host}, started '
                f'{owner.get("started", "?")} (lock file {self.path}); wait '
                'for it, stop it, or train in another --work-dir; if that '
                'process is gone, delete the lock file')
        print_log(
            f'taking over the stale lock {self.path} of process {pid} on '
            f'{host} (started {owner.get("started", "?")}), whose training '
            'no longer runs', logger='current', level=logging.WARNING)
        try:
            os.remove(self.path)
        except FileNotFoundError:
            pass

    def release(self) -> None:
        """Delete the lock if this process holds it."""
        if not self.held:
            return
        self.held = False
        owner = self.owner()
        if owner and owner.get('pid') == os.getpid():
            os.remove(self.path)
