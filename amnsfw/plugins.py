"""Plugin discovery and loading.

The host registers amnsfw's built-in plugin first, then every module named by
an ``amnsfw.plugins`` entry point, each through the hooks of
:mod:`amnsfw.hookspecs`. Two environment variables steer discovery:

* ``AMNSFW_DISABLE_PLUGIN_AUTOLOAD=1``: load no entry-point plugin unless
  ``AMNSFW_PLUGINS`` names it.
* ``AMNSFW_PLUGINS=a,b``: load only the entry points named ``a`` and ``b``.

A plugin declares the plugin API it targets with a module-level
``AMNSFW_PLUGIN_API = '1'`` in its entry-point module. The host refuses a
plugin that targets another API than :data:`amnsfw.version.PLUGIN_API_VERSION`;
one that declares nothing is loaded as API :data:`LEGACY_API_VERSION` (the
API of every plugin written before declarations existed), with a
:class:`PluginApiWarning`.

A plugin that fails to import, targets another API or fails to register is
rolled back (none of its components stay registered) and reported in one
warning that names the plugin, its distribution and the exception; the other
plugins still load.
"""
import importlib.metadata
import os
import warnings
from dataclasses import dataclass, field
from types import ModuleType
from typing import (Callable, Dict, Iterable, List, Mapping, Optional,
                    Sequence, Set, Tuple)

import pluggy
from mmengine.registry import Registry

from amnsfw import builtin_plugin, hookspecs
from amnsfw.version import PLUGIN_API_VERSION, __version__

ENTRY_POINT_GROUP = 'amnsfw.plugins'
DISABLE_AUTOLOAD_ENV = 'AMNSFW_DISABLE_PLUGIN_AUTOLOAD'
ALLOWLIST_ENV = 'AMNSFW_PLUGINS'
CORE_PLUGIN_NAME = 'amnsfw'
#: Module attribute in which a plugin declares the plugin API it targets.
API_ATTRIBUTE = 'AMNSFW_PLUGIN_API'
#: The API assumed for a plugin that declares none: the one every plugin
#: targeted before declarations existed.
LEGACY_API_VERSION = '1'


class PluginLoadWarning(UserWarning):
    """A plugin could not be loaded; the others were."""


class PluginApiWarning(UserWarning):
    """A plugin does not declare the plugin API it targets."""


class PluginError(Exception):
    """A plugin failed to import or to register its components."""


class PluginApiError(PluginError):
    """A plugin targets a plugin API that this amnsfw does not offer."""


class ComponentCollisionError(PluginError):
    """Two plugins register a component of the same kind under one name."""


@dataclass
class PluginInfo:
    """What the host knows of one plugin.

    Args:
        name (str): Entry-point name (``amnsfw`` for the core).
        distribution (str): Distribution that ships it, or ``'?'``.
        version (str): That distribution's version, or ``'?'``.
        api_version (str, optional): Plugin API it declares; None until
            it is imported, or if it declares none. Defaults to None.
        components (dict[str, list[str]]): Registered names by kind.
            Defaults to empty.
        error (str, optional): Why loading failed. Defaults to None.
    """

    name: str
    distribution: str
    version: str
    api_version: Optional[str] = None
    components: Dict[str, List[str]] = field(default_factory=dict)
    error: Optional[str] = None

    @property
    def label(self) -> str:
        """``name version (distribution)``, as messages show a plugin."""
        return f'{self.name} {self.version} ({self.distribution})'


class _PluginRegistrar:
    """The registry a plugin is handed: registration with collision checks."""

    def __init__(self, kind: str, registry: Registry, host: 'PluginHost',
                 plugin: PluginInfo) -> None:
        self.kind = kind
        self.registry = registry
        self._host = host
        self._plugin = plugin

    def register_module(self,
                        name: Optional[str] = None,
                        module: Optional[type] = None) -> Callable:
        """Register ``module`` under ``name`` (default: its class name).

        Usable as a call or, without ``module``, as a class decorator.
        """
        if module is None:
            return lambda cls: self.register_module(name, cls)
        key = name or module.__name__
        if key in self.registry.module_dict:
            owner = self._host.owner_of(self.kind, key)
            raise ComponentCollisionError(
                f'plugin {self._plugin.label} registers {self.kind} '
                f"'{key}', which plugin {owner} already registered")
        self.registry.register_module(name=key, module=module)
        return module


class PluginHost:
    """Loads plugins into a set of registries and remembers what each added.

    Args:
        registries (Mapping[str, Registry]): Registries by kind, as plugins
            see them.
        builtins (Sequence[ModuleType]): Plugins registered before any entry
            point. Defaults to amnsfw's built-in plugin.
    """

    def __init__(self,
                 registries: Mapping[str, Registry],
                 builtins: Sequence[ModuleType] = (builtin_plugin, )) -> None:
        self.registries = registries
        self.builtins = builtins
        self.plugins: Dict[str, PluginInfo] = {}
        self.manager = pluggy.PluginManager(hookspecs.PROJECT)
        self.manager.add_hookspecs(hookspecs)

    def load(self,
             entry_points: Optional[Iterable] = None,
             environ: Mapping[str, str] = os.environ) -> None:
        """Register the built-ins, then the selected entry-point plugins.

        Args:
            entry_points (Iterable, optional): Entry points to consider.
                Defaults to the installed ``amnsfw.plugins`` group.
            environ (Mapping[str, str]): Where to read the discovery
                variables. Defaults to ``os.environ``.
        """
        for module in self.builtins:
            self._load(CORE_PLUGIN_NAME, 'amnsfw', __version__, lambda: module)
        if entry_points is None:
            entry_points = importlib.metadata.entry_points(
                group=ENTRY_POINT_GROUP)
        for entry_point in select_entry_points(entry_points, environ):
            dist = getattr(entry_point, 'dist', None)
            self._load(entry_point.name, dist.name if dist else '?',
                       dist.version if dist else '?', entry_point.load)

    def owner_of(self, kind: str, name: str) -> str:
        """Label of the plugin that registered ``name`` as a ``kind``."""
        for plugin in self.plugins.values():
            if name in plugin.components.get(kind, ()):
                return plugin.label
        return 'outside any plugin'

    def describe(self) -> str:
        """One line listing every plugin, with failures and their reason."""
        parts = []
        for plugin in self.plugins.values():
            status = f' [failed: {plugin.error}]' if plugin.error else ''
            parts.append(plugin.label + status)
        return ', '.join(parts) or 'none'

    def _load(self, name: str, distribution: str, version: str,
              import_plugin: Callable[[], ModuleType]) -> None:
        if name in self.plugins:
            first = self.plugins[name]
            warnings.warn(
                PluginLoadWarning(
                    f"plugin name '{name}' of distribution {distribution} is "
                    f'already taken by {first.label}; skipped'))
            return
        plugin = PluginInfo(name, distribution, version)
        self.plugins[name] = plugin
        before = self._snapshot()
        try:
            module = import_plugin()
            self._check_api(plugin, module)
            self.manager.register(module, name=name)
            handed = {
                kind: _PluginRegistrar(kind, registry, self, plugin)
                for kind, registry in self.registries.items()
            }
            for impl in self.manager.hook.amnsfw_register_components.\
                    get_hookimpls():
                if impl.plugin_name == name:
                    impl.function(registries=handed)
        except Exception as exc:  # a plugin may raise anything; contain it
            self._rollback(before)
            if self.manager.has_plugin(name):
                self.manager.unregister(name=name)
            plugin.error = f'{type(exc).__name__}: {exc}'
            warnings.warn(
                PluginLoadWarning(
                    f'amnsfw plugin {plugin.label} failed to load and was '
                    f'skipped: {plugin.error}'))
            return
        plugin.components = self._added_since(before)

    def _check_api(self, plugin: PluginInfo, module: object) -> None:
        """Record the API ``module`` declares; refuse one we do not offer."""
        declared = getattr(module, API_ATTRIBUTE, None)
        where = f'{API_ATTRIBUTE} in {getattr(module, "__name__", module)}'
        if declared is None:
            warnings.warn(
                PluginApiWarning(
                    f'amnsfw plugin {plugin.label} does not declare the '
                    f'plugin API it targets ({where}); treated as API '
                    f'{LEGACY_API_VERSION!r}, the API of undeclared plugins'))
            declared, where = LEGACY_API_VERSION, f'assumed, no {where}'
        else:
            declared = plugin.api_version = str(declared)
        if declared != PLUGIN_API_VERSION:
            raise PluginApiError(
                f'targets amnsfw plugin API {declared!r} ({where}), but '
                f'amnsfw {__version__} offers plugin API '
                f'{PLUGIN_API_VERSION!r}; install a release of the plugin '
                f'made for API {PLUGIN_API_VERSION!r}')

    def _snapshot(self) -> Dict[str, Set[str]]:
        return {
            kind: set(registry.module_dict)
            for kind, registry in self.registries.items()
        }

    def _added_since(self, before: Dict[str,
                                        Set[str]]) -> Dict[str, List[str]]:
        added = {}
        for kind, registry in self.registries.items():
            new = sorted(set(registry.module_dict) - before[kind])
            if new:
                added[kind] = new
        return added

    def _rollback(self, before: Dict[str, Set[str]]) -> None:
        for kind, names in self._added_since(before).items():
            for name in names:
                del self.registries[kind].module_dict[name]


def select_entry_points(entry_points: Iterable,
                        environ: Mapping[str, str]) -> List:
    """Entry points to load, given the discovery environment variables.

    Args:
        entry_points (Iterable): Candidate entry points.
        environ (Mapping[str, str]): Environment to read.

    Returns:
        list: The allow-listed ones if ``AMNSFW_PLUGINS`` is set; none if
        autoload is disabled; otherwise all.
    """
    entry_points = list(entry_points)
    allowlist = environ.get(ALLOWLIST_ENV, '').strip()
    if allowlist:
        wanted = {name.strip() for name in allowlist.split(',') if name}
        missing = wanted - {ep.name for ep in entry_points}
        if missing:
            warnings.warn(
                PluginLoadWarning(
                    f'{ALLOWLIST_ENV} names plugins that are not installed: '
                    f'{", ".join(sorted(missing))}'))
        return [ep for ep in entry_points if ep.name in wanted]
    if environ.get(DISABLE_AUTOLOAD_ENV, '') not in ('', '0'):
        return []
    return entry_points


_host: Optional[PluginHost] = None
_loading = False


def load_plugins() -> PluginHost:
    """Load amnsfw's plugins into its registries once per process."""
    global _host, _loading
    if _host is None and not _loading:
        from amnsfw.registry import REGISTRIES
        _loading = True
        try:
            host = PluginHost(REGISTRIES)
            host.load()
            _host = host
        finally:
            _loading = False
    return _host


def describe_plugins() -> str:
    """One line naming each loaded plugin (or why it failed)."""
    return _host.describe() if _host is not None else 'not loaded yet'


def component_owners() -> Dict[Tuple[str, str], str]:
    """``(kind, name) -> plugin name`` for every plugin-registered
    component."""
    host = load_plugins()
    return {(kind, name): plugin.name
            for plugin in host.plugins.values()
            for kind, names in plugin.components.items() for name in names}
