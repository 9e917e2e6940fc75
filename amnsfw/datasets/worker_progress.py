"""Which sample each data loader worker is preparing, readable after the
worker dies.

A worker that raises is reported by PyTorch with its exception (and
:class:`~amnsfw.datasets.PersonSearchDataset` names the record). A worker
killed by a signal (the out-of-memory killer, a segfault in an image
decoder) leaves only "DataLoader worker (pid N) is killed by signal". A
:class:`WorkerProgress` made in the main process shares one slot per worker
with the workers (forked or spawned), each holding the worker's pid and the
index of the sample it is preparing, so that :func:`describe_dead_worker`
can name the sample from that error message.
"""
import multiprocessing
import re
import weakref
from typing import Callable, List, Optional

from torch.utils.data import get_worker_info

#: Workers tracked per data set (more are simply not tracked).
MAX_WORKERS = 64
#: The pids in PyTorch's messages about a worker that died without an
#: exception.
_DEAD_WORKER = re.compile(r'DataLoader worker \(pids?\(?s?\)? ?([\d, ]+)\)')
_LIVE: 'weakref.WeakSet[WorkerProgress]' = weakref.WeakSet()


class WorkerProgress:
    """Shared-memory slots: per loader worker, its pid and the sample index
    it is preparing (-1 when none).

    Args:
        describe (Callable[[int], str]): Names sample ``index`` for a
            message, in the main process (e.g. a bound method of the data
            set, held weakly).
    """

    def __init__(self, describe: Callable[[int], str]) -> None:
        self._pids = multiprocessing.RawArray('q', [0] * MAX_WORKERS)
        self._samples = multiprocessing.RawArray('q', [-1] * MAX_WORKERS)
        self._describe = weakref.WeakMethod(describe) if hasattr(
            describe, '__self__') else (lambda: describe)
        _LIVE.add(self)

    def start(self, index: int) -> None:
        """In a worker: it begins to prepare sample ``index``."""
        slot = self._slot()
        if slot is not None:
            self._pids[slot] = multiprocessing.current_process().pid
            self._samples[slot] = index

    def finish(self) -> None:
        """In a worker: its sample is ready."""
        slot = self._slot()
        if slot is not None:
            self._samples[slot] = -1

    def sample_of(self, pid: int) -> Optional[int]:
        """The sample the worker with ``pid`` was preparing, if any."""
        for slot in range(MAX_WORKERS):
            if self._pids[slot] == pid and self._samples[slot] >= 0:
                return self._samples[slot]
        return None

    def describe(self, index: int) -> str:
        describe = self._describe()
        return f'sample {index}' if describe is None else describe(index)

    @staticmethod
    def _slot() -> Optional[int]:
        info = get_worker_info()
        if info is None or info.id >= MAX_WORKERS:
            return None
        return info.id

    def __getstate__(self) -> dict:
        # Shared memory travels only to a worker being started; any other
        # copy (a deepcopy, a pickle) gets slots of its own.
        inherited = multiprocessing.context.get_spawning_popen() is not None
        return dict(pids=self._pids if inherited else None,
                    samples=self._samples if inherited else None)

    def __setstate__(self, state: dict) -> None:
        self._pids = state['pids'] or multiprocessing.RawArray(
            'q', [0] * MAX_WORKERS)
        self._samples = state['samples'] or multiprocessing.RawArray(
            'q', [-1] * MAX_WORKERS)
        self._describe = lambda: None


def describe_dead_worker(message: str) -> Optional[str]:
    """What the data loader worker(s) that PyTorch's ``message`` says died
    were preparing, e.g. ``"worker pid 123 was preparing sample 5 (...)"``;
    None when the message is not about a dead worker or no sample is
    known."""
    found = _DEAD_WORKER.search(message)
    if found is None:
        return None
    pids = [int(pid) for pid in re.findall(r'\d+', found.group(1))]
    lines: List[str] = []
    for progress in list(_LIVE):
        for pid in pids:
            index = progress.sample_of(pid)
            if index is not None:
                lines.append(f'worker pid {pid} was preparing '
                             f'{progress.describe(index)}')
    return '; '.join(lines) or None
