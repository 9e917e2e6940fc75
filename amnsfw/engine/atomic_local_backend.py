"""Crash-safe local writes for MMEngine's file I/O (checkpoints included).

MMEngine writes every local file, checkpoints included
(``mmengine.runner.checkpoint.save_checkpoint`` serialises to memory, then
calls ``get_file_backend(path).put(bytes, path)``), by opening the final path
and writing into it: a process killed mid-write leaves a truncated file under
the real name, which the next ``--resume`` then fails to load.
:class:`AtomicLocalBackend` writes to ``path + '.tmp-<pid>'``, flushes it and
syncs it to disk (``os.fsync``), renames it over ``path`` (``os.replace``:
atomic on POSIX and Windows within one file system) and syncs the folder, so
a reader only ever sees the old file or the whole new one.

:func:`install_atomic_local_backend` registers it as MMEngine's ``'local'``
backend (MMEngine's own ``register_backend`` extension point, no patch of its
code). It is called when :mod:`amnsfw.engine` is imported, which every
amnsfw tool does and which the runner does itself when it builds a hook in
the ``amnsfw`` scope, so every checkpoint an amnsfw run writes is covered,
those of ``FlexibleRunner``'s strategies too (they call ``save_checkpoint``
without a backend; DeepSpeed's engine writes its own folders). It is a
registration rather than a config option because a config could forget it,
and it changes nothing but how a complete file reaches its name. The
hook-level half (save before pruning, an atomic ``last_checkpoint``
pointer) is :class:`~amnsfw.engine.AtomicCheckpointHook`.
"""
import os
import os.path as osp
import re
from pathlib import Path
from typing import List, Union

from mmengine.fileio import LocalBackend, register_backend
from mmengine.utils import mkdir_or_exist

#: A temporary file of :func:`atomic_write`: ``<name>.tmp-<pid>``.
TEMP_SUFFIX = re.compile(r'\.tmp-\d+$')


def atomic_write(data: Union[bytes, str],
                 path: Union[str, Path],
                 encoding: str = 'utf-8') -> None:
    """Write ``data`` to ``path`` so that ``path`` is never seen truncated.

    Args:
        data (bytes | str): The whole content; text is encoded.
        path (str | Path): The final file path; its folder is created.
        encoding (str): Encoding of text ``data``. Defaults to ``'utf-8'``.
    """
    path = str(path)
    folder = osp.dirname(osp.abspath(path))
    mkdir_or_exist(folder)
    if isinstance(data, str):
        data = data.encode(encoding)
    temp = f'{path}.tmp-{os.getpid()}'
    try:
        with open(temp, 'wb') as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temp, path)
    except BaseException:
        if osp.exists(temp):
            os.remove(temp)
        raise
    _fsync_folder(folder)


def _fsync_folder(folder: str) -> None:
    """Persist a rename in ``folder`` (POSIX; a no-op where folders cannot
    be opened, as on Windows)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def remove_stale_temp_files(folder: Union[str, Path]) -> List[str]:
    """Delete the temporary files that killed writers left in ``folder``.

    Only files named ``<name>.tmp-<pid>`` whose process is not this one are
    removed; call it before this process starts writing there.

    Args:
        folder (str | Path): The folder to clean (not recursive).

    Returns:
        List[str]: The removed paths.
    """
    removed = []
    if not osp.isdir(folder):
        return removed
    own = f'.tmp-{os.getpid()}'
    for name in sorted(os.listdir(folder)):
        path = osp.join(folder, name)
        if (TEMP_SUFFIX.search(name) and not name.endswith(own)
                and osp.isfile(path)):
            os.remove(path)
            removed.append(path)
    return removed


class AtomicLocalBackend(LocalBackend):
    """MMEngine's local backend with :func:`atomic_write` for ``put`` and
    ``put_text``; reads and everything else are unchanged."""

    def put(self, obj: bytes, filepath: Union[str, Path]) -> None:
        """Write bytes to ``filepath`` atomically.

        Args:
            obj (bytes): Data to be written.
            filepath (str | Path): Path to write data.
        """
        atomic_write(obj, filepath)

    def put_text(self,
                 obj: str,
                 filepath: Union[str, Path],
                 encoding: str = 'utf-8') -> None:
        """Write text to ``filepath`` atomically.

        Args:
            obj (str): Text to be written.
            filepath (str | Path): Path to write data.
            encoding (str): Encoding of the text. Defaults to ``'utf-8'``.
        """
        atomic_write(obj, filepath, encoding)


def install_atomic_local_backend() -> None:
    """Make :class:`AtomicLocalBackend` MMEngine's backend for local paths
    (idempotent)."""
    register_backend('local', AtomicLocalBackend, force=True, prefixes='')
