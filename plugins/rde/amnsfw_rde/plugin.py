"""The ``amnsfw.plugins`` entry point of amnsfw-rde: registers its components."""
from typing import Mapping

from amnsfw.hookspecs import hookimpl


@hookimpl
def amnsfw_register_components(registries: Mapping) -> None:
    """Register RDE's loss heads, embedding head and hook."""
