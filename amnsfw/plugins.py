"""Deprecated import path, kept for plugins written against plugin API 1.

Its names moved: plugins import from :mod:`amnsfw.plugin_api`
(``component_owners``, ``load_plugins``, ...); the loading machinery is
:mod:`amnsfw.plugin_host` and the process's plugins are loaded by
:mod:`amnsfw.registry`. ``amnsfw.plugins`` now names only the entry-point
group. This module goes with plugin API 2.
"""
from amnsfw.plugin_host import (ALLOWLIST_ENV, API_ATTRIBUTE,  # noqa: F401
                                DISABLE_AUTOLOAD_ENV, ENTRY_POINT_GROUP,
                                ComponentCollisionError, PluginApiError,
                                PluginApiWarning, PluginError, PluginHost,
                                PluginInfo, PluginLoadWarning,
                                select_entry_points)
from amnsfw.registry import (component_owners, describe_plugins,  # noqa: F401
                             load_plugins)
