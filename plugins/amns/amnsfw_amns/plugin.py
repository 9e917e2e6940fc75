"""The ``amnsfw.plugins`` entry point of amnsfw-amns: registers its
components."""
from typing import Mapping

from amnsfw.plugin_api import hookimpl
from amnsfw_amns.hooks import EMAMomentumHook
from amnsfw_amns.losses import BSDMLoss, WAFLoss
from amnsfw_amns.maskers import AttentionWeightedMasker

AMNSFW_PLUGIN_API = '1'  # the amnsfw plugin API it targets (docs/plugins.md)


@hookimpl
def amnsfw_register_components(registries: Mapping) -> None:
    """Register AMNS's masker, loss heads and EMA momentum hook."""
    registries['masker'].register_module(module=AttentionWeightedMasker)
    registries['loss'].register_module(module=BSDMLoss)
    registries['loss'].register_module(module=WAFLoss)
    registries['hook'].register_module(module=EMAMomentumHook)
