"""The ``amnsfw.plugins`` entry point of amnsfw-amns: registers its components."""
from typing import Mapping

from amnsfw.hookspecs import hookimpl


@hookimpl
def amnsfw_register_components(registries: Mapping) -> None:
    """Register AMNS's maskers, loss heads and hook."""
