"""Fixes that let MMEngine 0.10 run on the pinned torch, setuptools and Python.

Each fix is the narrowest one that works, applied once by :func:`apply` when
``amnsfw`` is imported:

* torch >= 2.6 loads with ``weights_only=True``; MMEngine's resume then fails
  on the objects in its own checkpoints. We allow-list exactly those globals
  (never switching ``weights_only`` off).
* setuptools >= 82 has no ``pkg_resources``, which MMEngine uses to resolve
  ``_base_ = 'package::path'`` config bases. We resolve them with
  :mod:`importlib.metadata` instead.

The third trap (Python >= 3.11 misparses a classic config that has a stdlib
``import`` before ``_base_``) is avoided by convention: amnsfw's configs are
plain-dict configs with no ``import`` statements (see the README).
"""
import importlib.metadata
import importlib.util
import os.path as osp
from typing import List, Tuple

import numpy as np
import torch
from mmengine.logging.history_buffer import HistoryBuffer

_applied = False


def mmengine_checkpoint_globals() -> List[Tuple[object, str]]:
    """The non-tensor globals that MMEngine's own checkpoints pickle.

    Found with ``torch.serialization.get_unsafe_globals_in_checkpoint`` on a
    runner checkpoint: the message hub stores :class:`HistoryBuffer` objects
    holding numpy arrays and scalars, and each buffer pickles its statistics
    methods as ``getattr(HistoryBuffer, name)``; metric values may be any
    numeric numpy scalar. Allowing ``getattr`` only
    fetches attributes of allow-listed objects: the weights-only unpickler
    still refuses to call anything that is not itself allow-listed.

    Returns:
        list[tuple[object, str]]: ``(object, pickled name)`` pairs, with the
        numpy names of both numpy 1.x (``numpy.core``) and 2.x
        (``numpy._core``) so older checkpoints load too.
    """
    multiarray = np._core.multiarray
    allowed = [
        (HistoryBuffer, 'mmengine.logging.history_buffer.HistoryBuffer'),
        (np.ndarray, 'numpy.ndarray'),
        (np.dtype, 'numpy.dtype'),
        (getattr, 'builtins.getattr'),
    ]
    # Each numpy dtype pickles as an instance of its own dtype class.
    for name in ('bool', 'int32', 'int64', 'float16', 'float32', 'float64'):
        dtype_class = type(np.dtype(name))
        allowed.append((dtype_class, f'numpy.dtypes.{dtype_class.__name__}'))
    for module in ('numpy._core.multiarray', 'numpy.core.multiarray'):
        allowed.append((multiarray._reconstruct, f'{module}._reconstruct'))
        allowed.append((multiarray.scalar, f'{module}.scalar'))
    return allowed


def _distribution_top_level_path(package: str) -> str:
    """Folder of an installed distribution's (or importable module's) code."""
    try:
        dist = importlib.metadata.distribution(package)
    except importlib.metadata.PackageNotFoundError:
        spec = importlib.util.find_spec(package)
        if spec is None or spec.origin is None:
            raise ModuleNotFoundError(
                f'{package!r} is neither an installed distribution nor an '
                'importable package') from None
        return osp.dirname(spec.origin)
    top_level = (dist.read_text('top_level.txt') or '').split()
    module = top_level[0] if top_level else package.replace('-', '_')
    spec = importlib.util.find_spec(module)
    if spec is None or spec.origin is None:
        raise ModuleNotFoundError(
            f'distribution {package!r} is installed but its module '
            f'{module!r} cannot be imported')
    return osp.dirname(spec.origin)


def _is_installed(package: str) -> bool:
    try:
        _distribution_top_level_path(package)
    except ModuleNotFoundError:
        return False
    return True


def _patch_mmengine_package_lookup() -> None:
    """Resolve ``package::path`` config bases without ``pkg_resources``."""
    import mmengine.config.config as mmengine_config
    import mmengine.utils.package_utils as package_utils
    for module in (package_utils, mmengine_config):
        module.is_installed = _is_installed
        module.get_installed_path = _distribution_top_level_path


def apply() -> None:
    """Apply every compatibility fix once."""
    global _applied
    if _applied:
        return
    torch.serialization.add_safe_globals(mmengine_checkpoint_globals())
    _patch_mmengine_package_lookup()
    _applied = True
