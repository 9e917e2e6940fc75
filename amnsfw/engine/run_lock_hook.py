"""Hold the work dir's :class:`~amnsfw.engine.run_lock.RunLock` while
training."""
import atexit
from typing import Optional

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
    with a warning. Testing and inference do not lock.
    """

    priority = 'HIGHEST'

    def __init__(self) -> None:
        self._lock: Optional[RunLock] = None

    def before_train(self, runner) -> None:
        """Take the lock.

        Args:
            runner (Runner): The runner of the training process.
        """
        if not is_main_process():
            return
        self._lock = RunLock(runner.work_dir)
        self._lock.acquire()
        atexit.register(self._lock.release)

    def after_train(self, runner) -> None:
        """Release the lock.

        Args:
            runner (Runner): The runner of the training process.
        """
        if self._lock is not None:
            self._lock.release()
            atexit.unregister(self._lock.release)
            self._lock = None
