"""docs/plugins.md documents every hook, every registry kind and every
name of the plugin API (in the spirit of datasette's
test_plugin_hooks_are_documented)."""
import inspect
import re
from pathlib import Path

import pytest

from amnsfw import hookspecs, plugin_api
from amnsfw.contracts import CONTRACTS
from amnsfw.registry import KIND_ALIASES, REGISTRIES

DOCS = (Path(__file__).resolve().parents[1] / 'docs' /
        'plugins.md').read_text('utf-8')


def hookspec_names():
    """The names of the hooks a plugin can implement."""
    return sorted(name for name, value in vars(hookspecs).items()
                  if inspect.isfunction(value) and name.startswith('amnsfw_'))


def test_hookspecs_are_found():
    assert 'amnsfw_register_components' in hookspec_names()


@pytest.mark.parametrize('name', hookspec_names())
def test_every_hook_has_a_reference_section(name):
    signature = inspect.signature(getattr(hookspecs, name))
    arguments = ', '.join(signature.parameters)
    assert f'### `{name}({arguments})' in DOCS


@pytest.mark.parametrize('kind', sorted(REGISTRIES) + sorted(KIND_ALIASES))
def test_every_registry_kind_is_documented(kind):
    # In the kinds table: | `kind` | ...
    assert re.search(rf'^\| `{kind}` \|', DOCS, flags=re.MULTILINE), kind


@pytest.mark.parametrize('kind', sorted(CONTRACTS))
def test_every_contract_is_described(kind):
    protocol = CONTRACTS[kind].__name__
    assert f'**{protocol}** (`{kind}`)' in DOCS


@pytest.mark.parametrize('name', sorted(plugin_api.__all__))
def test_every_plugin_api_name_is_documented(name):
    # As `name` or called, `name(...)`.
    assert re.search(rf'`{name}[`(]', DOCS), name
