"""The ``amnsfw.plugins`` entry point of amnsfw-example-plugin."""
from typing import Mapping

from amnsfw.plugin_api import hookimpl
from amnsfw_example_plugin.losses import CosineMarginLoss
from amnsfw_example_plugin.maskers import CenterBiasMasker

#: The amnsfw plugin API this plugin targets (amnsfw's docs/plugins.md).
AMNSFW_PLUGIN_API = '1'


@hookimpl
def amnsfw_register_components(registries: Mapping) -> None:
    """Register the centre-biased masker and the cosine margin loss."""
    registries['masker'].register_module(module=CenterBiasMasker)
    registries['loss'].register_module(module=CosineMarginLoss)
