"""The ``amnsfw.plugins`` entry point of amnsfw-amns: registers its components."""
from typing import Mapping

from amnsfw.hookspecs import hookimpl
from amnsfw_amns.losses import BSDMLoss, WAFLoss


@hookimpl
def amnsfw_register_components(registries: Mapping) -> None:
    """Register AMNS's maskers, loss heads and hook."""
    # Loss heads.
    registries['loss'].register_module(module=BSDMLoss)
    registries['loss'].register_module(module=WAFLoss)

    # Masker (attention-weighted selective mask) and its hook: registered
    # here with their modules under amnsfw_amns.maskers / amnsfw_amns.hooks.
