"""Read a config file; name the file at fault when that fails.

MMEngine's ``Config.fromfile`` reports a ``_base_`` file that does not exist
as a bare ``FileNotFoundError`` of the missing path, without the config that
asked for it, and a syntax error without the file.
"""
import os.path as osp
from typing import List, Optional, Tuple

from mmengine.config import Config

from amnsfw.errors import ConfigError


def _base_paths(config: str) -> List[Tuple[str, str]]:
    """``(as written, resolved path)`` of each ``_base_`` of ``config``;
    package-scoped bases (``'mmpretrain::...'``) are left to MMEngine."""
    bases = Config._get_base_files(config)  # MMEngine's own parser
    return [(base, osp.normpath(osp.join(osp.dirname(config), base)))
            for base in bases if '::' not in base]


def missing_base(config: str) -> Optional[Tuple[str, str]]:
    """The first ``_base_`` file that does not exist, depth first.

    Args:
        config (str): A config file that exists.

    Returns:
        tuple[str, str] | None: ``(config asking for it, the _base_ entry
        as written)``, or None when every base exists.
    """
    for written, path in _base_paths(config):
        if not osp.isfile(path):
            return config, written
        found = missing_base(path)
        if found is not None:
            return found
    return None


def read_config(path: str) -> Config:
    """``Config.fromfile(path)``, with errors that name the file at fault.

    Args:
        path (str): The config file.

    Returns:
        Config: The config.

    Raises:
        ConfigError: ``path`` or one of its ``_base_`` files does not exist
            (naming the config that asked for it), or a file is not valid
            Python.
    """
    if not osp.isfile(path):
        raise ConfigError(f'config file not found: {path}')
    try:
        return Config.fromfile(path)
    except FileNotFoundError as error:
        found = missing_base(path)
        if found is None:
            raise
        asking, base = found
        raise ConfigError(
            f'{asking}: _base_ file {base!r} does not exist (looked for '
            f'{osp.normpath(osp.join(osp.dirname(asking), base))})'
        ) from error
    except SyntaxError as error:
        raise ConfigError(
            f'{path} (or one of its _base_ files) is not valid Python: '
            f'{error}') from error
