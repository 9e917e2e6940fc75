"""amnsfw: robust text-to-image person retrieval on MMEngine, with plugins."""
from amnsfw import compat
from amnsfw.version import PLUGIN_API_VERSION, __version__

compat.apply()

__all__ = ['__version__', 'PLUGIN_API_VERSION']
