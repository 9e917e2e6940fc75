"""amnsfw's own components, registered through the plugin hooks like any
other."""
import importlib
from typing import Mapping

from amnsfw.hookspecs import hookimpl
from amnsfw.version import PLUGIN_API_VERSION

#: The core always targets the plugin API it offers.
AMNSFW_PLUGIN_API = PLUGIN_API_VERSION

#: Packages whose modules register the core's components where they define
#: them.
CORE_PACKAGES = ('amnsfw.models', 'amnsfw.datasets', 'amnsfw.evaluation',
                 'amnsfw.engine')


@hookimpl
def amnsfw_register_components(registries: Mapping) -> None:
    """Import the core's component packages (their decorators register
    them)."""
    for package in CORE_PACKAGES:
        importlib.import_module(package)
