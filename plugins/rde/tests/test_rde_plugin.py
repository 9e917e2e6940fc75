"""The amnsfw-rde plugin: found through its entry point, or left out."""
import importlib.metadata
import os
import subprocess
import sys

import pytest

from amnsfw.plugin_api import (REGISTRIES, component_owners,
                               describe_plugins, load_plugins)

COMPONENTS = [('loss', 'TALLoss'),
              ('embedding_head', 'TokenSelectionEmbedding'),
              ('hook', 'ConsensusDivisionHook')]


def test_entry_point_installed():
    names = {ep.name: ep.value for ep in
             importlib.metadata.entry_points(group='amnsfw.plugins')}
    assert names.get('rde') == 'amnsfw_rde.plugin'


@pytest.mark.parametrize('kind, name', COMPONENTS)
def test_components_registered_by_rde(kind, name):
    load_plugins()
    assert REGISTRIES[kind].get(name).__name__ == name
    assert component_owners()[(kind, name)] == 'rde'
    assert 'rde 0.1.0 (amnsfw-rde)' in describe_plugins()


LOOKUP = """
from amnsfw.plugin_api import REGISTRIES
try:
    REGISTRIES['loss'].get('TALLoss')
    print('known')
except KeyError as error:
    print('unknown:', error)
"""


def lookup_with(**env):
    environ = {k: v for k, v in os.environ.items()
               if not k.startswith('AMNSFW')}
    environ.update(env)
    return subprocess.run([sys.executable, '-c', LOOKUP], env=environ,
                          capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize('env, known', [
    ({'AMNSFW_PLUGINS': 'rde'}, True),
    ({'AMNSFW_PLUGINS': 'amnsfw'}, False),
    ({'AMNSFW_DISABLE_PLUGIN_AUTOLOAD': '1'}, False),
])
def test_environment_selects_the_plugin(env, known):
    result = lookup_with(**env)
    assert result.returncode == 0, result.stderr
    if known:
        assert result.stdout.strip() == 'known'
    else:
        assert "unknown: unknown loss 'TALLoss'" in result.stdout
