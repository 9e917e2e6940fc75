"""amnsfw: robust text-to-image person retrieval on MMEngine, with plugins.

Importing amnsfw applies :func:`amnsfw.compat.apply`; every side effect of
importing amnsfw's modules is listed in docs/plugins.md ("Import-time side
effects"). Plugins import from :mod:`amnsfw.plugin_api`.
"""
from amnsfw import compat
from amnsfw.version import PLUGIN_API_VERSION, __version__

compat.apply()

__all__ = ['__version__', 'PLUGIN_API_VERSION']
