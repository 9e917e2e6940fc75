"""Hook specifications: what an amnsfw plugin can implement.

A plugin is a module, named by an ``amnsfw.plugins`` entry point, whose
functions carry ``@amnsfw.hookspecs.hookimpl`` and one of the names below.
amnsfw's own components come in through the same hooks
(:mod:`amnsfw.builtin_plugin`).
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
