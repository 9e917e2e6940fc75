"""Registries of amnsfw's swappable components, one per kind, and the
process's plugins that fill them.

Each registry lives in scope ``amnsfw``. Registries for kinds that MMEngine's
runner builds itself (models, datasets, transforms, metrics, runner hooks,
samplers) are children of MMEngine's root registries, so a config with
``default_scope = 'amnsfw'`` reaches them through the runner. MMEngine has no
root registry for backbones, tokenizers, maskers and losses; those are roots
of their own, built by the retriever from its config.

Every registry imports its ``locations`` lazily and loads the installed
plugins (:func:`load_plugins`, with :class:`amnsfw.plugin_host.PluginHost`)
on first lookup, so a config can name a plugin's component without any
import.

MMEngine's runner also builds loops, optimizers, schedulers, visualizers and
more from its own root registries, each through the child of the default
scope (``amnsfw``) when one exists, and warns ("Failed to search registry
with scope 'amnsfw' ...") when none does. :data:`RUNNER_SCOPE_NODES` gives
every such root an empty ``amnsfw`` child, as mmpretrain's registry does:
lookups fall through to MMEngine's own components, without the warning.
"""
import difflib
from typing import Any, Dict, List, Optional, Tuple, Type

import mmengine.registry as mmengine_registry
from mmengine.registry import DATA_SAMPLERS as MMENGINE_DATA_SAMPLERS
from mmengine.registry import DATASETS as MMENGINE_DATASETS
from mmengine.registry import FUNCTIONS as MMENGINE_FUNCTIONS
from mmengine.registry import HOOKS as MMENGINE_HOOKS
from mmengine.registry import METRICS as MMENGINE_METRICS
from mmengine.registry import MODELS as MMENGINE_MODELS
from mmengine.registry import TRANSFORMS as MMENGINE_TRANSFORMS
from mmengine.registry import DefaultScope, Registry

from amnsfw.errors import InputError
from amnsfw.plugin_host import PluginHost

SCOPE = 'amnsfw'


class UnknownComponentError(InputError, KeyError):
    """A config names a component that no registry of its kind holds."""

    def __str__(self) -> str:
        # KeyError quotes its argument; show the message as written.
        return str(self.args[0])


class ComponentRegistry(Registry):
    """MMEngine registry that loads plugins and explains unknown names.

    ``get`` raises :class:`UnknownComponentError` naming the kind, the
    requested name, the closest known names, the loaded plugins and the
    installed ones that were not loaded, instead of returning ``None``.
    """

    def import_from_location(self) -> None:
        """Load every plugin (the core first), then this registry's
        locations."""
        if self._imported:
            return
        load_plugins()
        super().import_from_location()

    def build(self, cfg: dict, *args, **kwargs) -> Any:
        """Build ``cfg`` in this registry's scope, whatever the caller's
        default scope (a runner of another scope must not redirect it)."""
        with DefaultScope.overwrite_default_scope(self.scope):
            return super().build(cfg, *args, **kwargs)

    def get(self, key: str) -> Optional[Type]:
        obj = super().get(key)
        if obj is None:
            raise UnknownComponentError(self._unknown_name_message(key))
        return obj

    def __contains__(self, key: str) -> bool:
        try:
            return self.get(key) is not None
        except UnknownComponentError:
            return False

    def known_names(self) -> List[str]:
        """Names visible from this registry: its own, then its ancestors'."""
        names: List[str] = []
        registry: Optional[Registry] = self
        while registry is not None:
            names.extend(registry.module_dict)
            registry = registry.parent
        return sorted(set(names))

    def _unknown_name_message(self, key: str) -> str:
        _, name = self.split_scope_key(key)
        known = self.known_names()
        by_lower: Dict[str, str] = {n.lower(): n for n in known}
        close = difflib.get_close_matches(
            name.lower(), list(by_lower), n=3, cutoff=0.5)
        suggestion = ', '.join(by_lower[c] for c in close) or 'none'
        return (f"unknown {self.name} '{key}': no {self.name} of that name is "
                f'registered in scope {self.scope!r}. Closest known names: '
                f'{suggestion}. {describe_plugins()}. '
                f"Run 'amnsfw components {self.name}' to list them all.")


def _child(name: str, parent: Registry, location: str) -> ComponentRegistry:
    return ComponentRegistry(
        name, parent=parent, scope=SCOPE, locations=[location])


def _root(name: str, location: str) -> ComponentRegistry:
    return ComponentRegistry(name, scope=SCOPE, locations=[location])


#: Models, as MMEngine's runner builds them from its ``MODELS`` root: the
#: retrievers (the top-level models it trains) and their data
#: preprocessors. Kind ``'model'``; ``'retriever'``, its name before, stays
#: an alias (:data:`KIND_ALIASES`).
MODELS = _child('model', MMENGINE_MODELS, 'amnsfw.models.retrievers')
BACKBONES = _root('backbone', 'amnsfw.models.backbones')
TOKENIZERS = _root('tokenizer', 'amnsfw.models.tokenizers')
MASKERS = _root('masker', 'amnsfw.models.maskers')
#: Loss heads: each turns a batch's features into named loss terms.
LOSSES = _root('loss', 'amnsfw.models.losses')
#: Embedding heads: extra named embeddings computed from encoder outputs.
EMBEDDING_HEADS = _root('embedding_head', 'amnsfw.models.embedding_heads')
DATASETS = _child('dataset', MMENGINE_DATASETS, 'amnsfw.datasets')
#: mmcv registers its transforms in MMEngine's root, so they stay reachable;
#: mmpretrain's are reached by scoped name (``mmpretrain.RandomErasing``).
TRANSFORMS = _child('transform', MMENGINE_TRANSFORMS,
                    'amnsfw.datasets.transforms')
DATA_SAMPLERS = _child('sampler', MMENGINE_DATA_SAMPLERS,
                       'amnsfw.datasets.samplers')
#: Collate functions; the runner looks them up by scoped name
#: (``collate_fn=dict(type='amnsfw.collate_person_search')``).
FUNCTIONS = _child('function', MMENGINE_FUNCTIONS, 'amnsfw.datasets')
METRICS = _child('metric', MMENGINE_METRICS, 'amnsfw.evaluation')
#: Runner hooks (MMEngine ``Hook`` s in a config's ``custom_hooks``); not the
#: plugin hooks of :mod:`amnsfw.hookspecs`.
HOOKS = _child('hook', MMENGINE_HOOKS, 'amnsfw.engine')

#: Every kind of component, by the name plugins and the CLI use for it.
REGISTRIES: Dict[str, ComponentRegistry] = {
    registry.name: registry
    for registry in (MODELS, BACKBONES, TOKENIZERS, MASKERS, LOSSES,
                     EMBEDDING_HEADS, DATASETS,
                     TRANSFORMS, DATA_SAMPLERS, FUNCTIONS, METRICS, HOOKS)
}


#: Old kind names that plugins of API 1 may still use, and the kind each
#: now names; the plugin host hands plugins both.
KIND_ALIASES: Dict[str, str] = {'retriever': 'model'}

#: MMEngine root registries that the runner builds from and amnsfw adds
#: nothing to, by their attribute in :mod:`mmengine.registry`.
RUNNER_ROOTS: Tuple[str, ...] = (
    'RUNNERS', 'RUNNER_CONSTRUCTORS', 'LOOPS', 'STRATEGIES',
    'MODEL_WRAPPERS', 'WEIGHT_INITIALIZERS', 'OPTIMIZERS', 'OPTIM_WRAPPERS',
    'OPTIM_WRAPPER_CONSTRUCTORS', 'PARAM_SCHEDULERS', 'EVALUATOR',
    'TASK_UTILS', 'VISUALIZERS', 'VISBACKENDS', 'LOG_PROCESSORS',
    'INFERENCERS')
#: Scope nodes: an empty ``amnsfw`` child of each of :data:`RUNNER_ROOTS`,
#: so MMEngine finds the default scope in every registry tree it searches
#: (module docstring). Not plugin kinds: MMEngine's components are reached
#: through them unchanged.
RUNNER_SCOPE_NODES: Dict[str, Registry] = {
    root: Registry(getattr(mmengine_registry, root).name, scope=SCOPE,
                   parent=getattr(mmengine_registry, root))
    for root in RUNNER_ROOTS
}

_host: Optional[PluginHost] = None
_loading = False


def load_plugins() -> PluginHost:
    """Load amnsfw's plugins into :data:`REGISTRIES` once per process.

    Returns:
        PluginHost: The process's host (what each plugin registered, which
        failed, which were skipped).
    """
    global _host, _loading
    if _host is None and not _loading:
        _loading = True
        try:
            host = PluginHost(REGISTRIES, aliases=KIND_ALIASES)
            host.load()
            _host = host
        finally:
            _loading = False
    return _host


def describe_plugins() -> str:
    """One line naming the loaded plugins (failures with why) and the
    installed ones that were not loaded (with why)."""
    return _host.describe() if _host is not None else 'Plugins not loaded yet'


def component_owners() -> Dict[Tuple[str, str], str]:
    """``(kind, name) -> plugin name`` for every plugin-registered
    component."""
    host = load_plugins()
    return {(kind, name): plugin.name
            for plugin in host.plugins.values()
            for kind, names in plugin.components.items() for name in names}
