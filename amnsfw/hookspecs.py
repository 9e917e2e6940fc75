"""Plugin hook specifications: what an amnsfw plugin can implement.

These are pluggy hooks ("plugin hooks"), not MMEngine's runner hooks (the
``Hook`` classes of registry kind ``hook``, which a plugin registers through
:func:`amnsfw_register_components`). A plugin is a module, named in the
``amnsfw.plugins`` entry-point group, whose functions carry ``@hookimpl``
(imported from :mod:`amnsfw.plugin_api`) and one of the names below.
amnsfw's own components come in through the same hooks
(:mod:`amnsfw.builtin_plugin`). docs/plugins.md documents each hook
(tests/test_plugin_docs.py checks it).
"""
from typing import Mapping

import pluggy

PROJECT = 'amnsfw'
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def amnsfw_register_components(registries: Mapping) -> None:
    """Register components:
    ``registries[kind].register_module(module=cls)``."""


@hookspec
def amnsfw_model_zoo_dirs() -> list:
    """Folders of model zoo entries this plugin ships (each entry a
    sub-folder with a ``metafile.json``, see :mod:`amnsfw.model_zoo`)."""
