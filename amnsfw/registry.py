"""Registries of amnsfw's swappable components, one per kind.

Each registry lives in scope ``amnsfw``. Registries for kinds that MMEngine's
runner builds itself (retrievers, datasets, transforms, metrics, hooks,
samplers) are children of MMEngine's root registries, so a config with
``default_scope = 'amnsfw'`` reaches them through the runner. MMEngine has no
root registry for backbones, tokenizers, maskers and losses; those are roots
of their own, built by the retriever from its config.

Every registry imports its ``locations`` lazily and loads the installed
plugins (:mod:`amnsfw.plugins`) on first lookup, so a config can name a
plugin's component without any import.
"""
import difflib
from typing import Any, Dict, List, Optional, Type

from mmengine.registry import DATA_SAMPLERS as MMENGINE_DATA_SAMPLERS
from mmengine.registry import DATASETS as MMENGINE_DATASETS
from mmengine.registry import FUNCTIONS as MMENGINE_FUNCTIONS
from mmengine.registry import HOOKS as MMENGINE_HOOKS
from mmengine.registry import METRICS as MMENGINE_METRICS
from mmengine.registry import MODELS as MMENGINE_MODELS
from mmengine.registry import TRANSFORMS as MMENGINE_TRANSFORMS
from mmengine.registry import DefaultScope, Registry

from amnsfw.errors import InputError

SCOPE = 'amnsfw'


class UnknownComponentError(InputError, KeyError):
    """A config names a component that no registry of its kind holds."""

    def __str__(self) -> str:
        # KeyError quotes its argument; show the message as written.
        return str(self.args[0])


class ComponentRegistry(Registry):
    """MMEngine registry that loads plugins and explains unknown names.

    ``get`` raises :class:`UnknownComponentError` naming the kind, the
    requested name, the closest known names and the installed plugins,
    instead of returning ``None``.
    """

    def import_from_location(self) -> None:
        """Load every plugin (the core first), then this registry's
        locations."""
        if self._imported:
            return
        from amnsfw.plugins import load_plugins
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
        from amnsfw.plugins import describe_plugins
        _, name = self.split_scope_key(key)
        known = self.known_names()
        by_lower: Dict[str, str] = {n.lower(): n for n in known}
        close = difflib.get_close_matches(
            name.lower(), list(by_lower), n=3, cutoff=0.5)
        suggestion = ', '.join(by_lower[c] for c in close) or 'none'
        return (f"unknown {self.name} '{key}': no {self.name} of that name is "
                f'registered in scope {self.scope!r}. Closest known names: '
                f'{suggestion}. Installed plugins: {describe_plugins()}. '
                f"Run 'amnsfw components {self.name}' to list them all.")


def _child(name: str, parent: Registry, location: str) -> ComponentRegistry:
    return ComponentRegistry(
        name, parent=parent, scope=SCOPE, locations=[location])


def _root(name: str, location: str) -> ComponentRegistry:
    return ComponentRegistry(name, scope=SCOPE, locations=[location])


#: Retrievers: the top-level models that the runner trains.
MODELS = _child('retriever', MMENGINE_MODELS, 'amnsfw.models.retrievers')
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
HOOKS = _child('hook', MMENGINE_HOOKS, 'amnsfw.engine')

#: Every kind of component, by the name plugins and the CLI use for it.
REGISTRIES: Dict[str, ComponentRegistry] = {
    registry.name: registry
    for registry in (MODELS, BACKBONES, TOKENIZERS, MASKERS, LOSSES,
                     EMBEDDING_HEADS, DATASETS,
                     TRANSFORMS, DATA_SAMPLERS, FUNCTIONS, METRICS, HOOKS)
}
