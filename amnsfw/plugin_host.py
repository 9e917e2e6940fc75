"""Plugin discovery and loading: the machinery behind amnsfw's registries.

This module knows nothing of amnsfw's own registries: a
:class:`PluginHost` loads plugins into whatever registries it is given.
:mod:`amnsfw.registry` owns the process's host (``load_plugins``), so the
dependency runs one way, registry -> plugin host.

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

Each class a plugin registers is checked against its kind's contract
(:func:`amnsfw.contracts.check_component`). A plugin that fails to import,
targets another API, registers a component that breaks its contract or
fails to register is rolled back (none of its components stay registered)
and reported in one warning that names the plugin, its distribution and the
exception; the other plugins still load.
"""
import importlib.metadata
import os
import warnings
from dataclasses import dataclass, field
from types import ModuleType
from typing import (Callable, Dict, Iterable, List, Mapping, Optional,
                    Sequence, Set)

import pluggy
from mmengine.registry import Registry

from amnsfw import builtin_plugin, hookspecs
from amnsfw.contracts import check_component
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

        Raises:
            ComponentCollisionError: The kind already has ``name``.
            ContractError: ``module`` lacks a method of its kind's contract.
        """
        if module is None:
            return lambda cls: self.register_module(name, cls)
        key = name or module.__name__
        check_component(self.kind, key, module)
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
        aliases (Mapping[str, str]): Other names plugins may use for a
            kind, ``alias -> kind``; they are handed the kind's registrar
            under both. Defaults to None (no aliases).
    """

    def __init__(self,
                 registries: Mapping[str, Registry],
                 builtins: Sequence[ModuleType] = (builtin_plugin, ),
                 aliases: Optional[Mapping[str, str]] = None) -> None:
        self.registries = registries
        self.builtins = builtins
        self.aliases = dict(aliases or {})
        self.plugins: Dict[str, PluginInfo] = {}
        #: Installed entry-point plugins that discovery did not load, with
        #: why (the environment variables).
        self.skipped: Dict[str, str] = {}
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
            # The core's modules may have been imported (and their
            # decorators run) before this first lookup: whatever the
            # registries hold before any entry point is the core's.
            self._load(PluginInfo(CORE_PLUGIN_NAME, 'amnsfw', __version__),
                       lambda module=module: module, claims_existing=True)
        if entry_points is None:
            entry_points = importlib.metadata.entry_points(
                group=ENTRY_POINT_GROUP)
        entry_points = list(entry_points)
        selected = {id(ep) for ep in select_entry_points(entry_points,
                                                         environ)}
        for entry_point in entry_points:
            dist = getattr(entry_point, 'dist', None)
            info = PluginInfo(entry_point.name, dist.name if dist else '?',
                              dist.version if dist else '?')
            if id(entry_point) in selected:
                self._load(info, entry_point.load)
            else:
                self.skipped[info.label] = skip_reason(environ)

    def owner_of(self, kind: str, name: str) -> str:
        """Label of the plugin that registered ``name`` as a ``kind``."""
        for plugin in self.plugins.values():
            if name in plugin.components.get(kind, ()):
                return plugin.label
        return 'outside any plugin'

    def describe(self) -> str:
        """The plugins this host loaded (failures with their reason), then
        the installed ones it skipped and why."""
        parts = []
        for plugin in self.plugins.values():
            status = f' [failed: {plugin.error}]' if plugin.error else ''
            parts.append(plugin.label + status)
        text = f'Loaded plugins: {", ".join(parts) or "none"}'
        if self.skipped:
            text += '; installed but not loaded: ' + ', '.join(
                f'{label} [{why}]' for label, why in self.skipped.items())
        return text

    def _load(self, plugin: PluginInfo,
              import_plugin: Callable[[], ModuleType],
              claims_existing: bool = False) -> None:
        """Import and register one plugin, or roll it back and warn.

        ``claims_existing``: the plugin also owns the components that the
        registries held before it loaded and no plugin owns (the core's,
        registered where their modules were imported).
        """
        name = plugin.name
        if name in self.plugins:
            first = self.plugins[name]
            warnings.warn(
                PluginLoadWarning(
                    f"plugin name '{name}' of distribution "
                    f'{plugin.distribution} is already taken by '
                    f'{first.label}; skipped'))
            return
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
            handed.update({alias: handed[kind]
                           for alias, kind in self.aliases.items()})
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
        if claims_existing:  # only other plugins' components predate it
            before = {kind: {key for other in self.plugins.values()
                             for key in other.components.get(kind, ())}
                      for kind in before}
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



def skip_reason(environ: Mapping[str, str]) -> str:
    """Why discovery leaves out an installed plugin that
    :func:`select_entry_points` did not select, given the same
    environment."""
    allowlist = environ.get(ALLOWLIST_ENV, '').strip()
    if allowlist:
        return f'{ALLOWLIST_ENV}={allowlist} does not name it'
    return (f'{DISABLE_AUTOLOAD_ENV}={environ.get(DISABLE_AUTOLOAD_ENV)} and '
            f'{ALLOWLIST_ENV} does not name it')
