"""The ``amnsfw.plugins`` entry point of amnsfw-rde: registers its
components."""
from typing import Mapping

from amnsfw.plugin_api import hookimpl
from amnsfw_rde.embedding_heads import TokenSelectionEmbedding
from amnsfw_rde.hooks import ConsensusDivisionHook
from amnsfw_rde.losses import TALLoss

AMNSFW_PLUGIN_API = '1'  # the amnsfw plugin API it targets (docs/plugins.md)


@hookimpl
def amnsfw_register_components(registries: Mapping) -> None:
    """Register RDE's loss heads, embedding head and hook."""
    registries['loss'].register_module(module=TALLoss)
    registries['embedding_head'].register_module(
        module=TokenSelectionEmbedding)
    registries['hook'].register_module(module=ConsensusDivisionHook)
