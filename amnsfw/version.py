"""The amnsfw release and the plugin API version it offers."""

__version__ = '0.1.0'
#: Version of the hook interface that plugins target (``amnsfw.hookspecs``).
PLUGIN_API_VERSION = '1'
