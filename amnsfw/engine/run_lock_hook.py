"""Hold the work dir's :class:`~amnsfw.engine.run_lock.RunLock` while
training."""
import atexit
import time
from typing import Any, Optional

from mmengine.dist import is_main_process
from mmengine.hooks import Hook

from amnsfw.registry import HOOKS
from .run_lock import RunLock


@HOOKS.register_module()
class RunLockHook(Hook):
    """Refuse a second training on the same work dir.

    Before training (before any other hook writes there) the main process
    takes ``<work_dir>/.amnsfw-train.lock``; a second training on that work
    dir then stops with :class:`~amnsfw.engine.run_lock.RunLockedError`
    naming the first one's process. The lock is released after training,
    or when the process exits; a lock left by a killed run is taken over
    with a warning (see :class:`~amnsfw.engine.run_lock.RunLock` for when a
    lock is stale). Testing and inference do not lock.

    Args:
        stale_after (float): Seconds after which another host's lock that
            was not refreshed is stale. Defaults to 900.
        refresh_interval (float): Seconds between refreshes of the held
            lock (checked after each iteration). Defaults to 60.
    """

    priority = 'HIGHEST'

    def __init__(self, stale_after: float = 900.0,
                 refresh_interval: float = 60.0) -> None:
        if not 0 < refresh_interval < stale_after:
            raise ValueError(
                'RunLockHook needs 0 < refresh_interval < stale_after, got '
                f'refresh_interval={refresh_interval}, '
                f'stale_after={stale_after}')
        self.stale_after = stale_after
        self.refresh_interval = refresh_interval
        self._lock: Optional[RunLock] = None
        self._refreshed = 0.0

    def before_train(self, runner) -> None:
        """Take the lock.

        Args:
            runner (Runner): The runner of the training process.
        """
        if not is_main_process():
            return
        self._lock = RunLock(runner.work_dir, self.stale_after)
        self._lock.acquire()
        self._refreshed = time.monotonic()
        atexit.register(self._lock.release)

    def after_train_iter(self, runner, batch_idx: int,
                         data_batch: Any = None,
                         outputs: Optional[dict] = None) -> None:
        """Refresh the lock every ``refresh_interval`` seconds.

        Args:
            runner (Runner): The runner of the training process.
            batch_idx (int): Index of the batch in the epoch.
            data_batch (Any): The batch. Defaults to None.
            outputs (dict, optional): The loss terms. Defaults to None.
        """
        now = time.monotonic()
        if self._lock is not None and (now - self._refreshed
                                       >= self.refresh_interval):
            self._lock.refresh()
            self._refreshed = now

    def after_train(self, runner) -> None:
        """Release the lock.

        Args:
            runner (Runner): The runner of the training process.
        """
        if self._lock is not None:
            self._lock.release()
            atexit.unregister(self._lock.release)
            self._lock = None
