"""The config files of the repository: amnsfw's ``configs/`` and those the
first-party plugins and the example plugin ship."""
from pathlib import Path
from typing import List

REPO = Path(__file__).resolve().parents[2]
#: Folders holding configs, relative to the repository.
CONFIG_DIRS = ('configs', 'plugins/rde/configs', 'plugins/amns/configs',
               'examples/amnsfw-example-plugin/configs')


def config_files(leaves_only: bool = False) -> List[str]:
    """Every config file, as a path relative to the repository; with
    ``leaves_only``, only experiments (not ``_base_`` files)."""
    return sorted(
        str(path.relative_to(REPO)) for folder in CONFIG_DIRS
        for path in (REPO / folder).rglob('*.py')
        if not (leaves_only and '_base_' in path.parts))
