"""Plugin loading: order, attribution, failures, collisions and discovery."""
import importlib.metadata

import pytest
from mmengine.registry import Registry

from amnsfw.plugins import (ALLOWLIST_ENV, DISABLE_AUTOLOAD_ENV, PluginHost,
                            PluginLoadWarning, select_entry_points)
from tests.fixtures.plugin_modules import good_plugin


def entry_point(name: str, module: str) -> importlib.metadata.EntryPoint:
    return importlib.metadata.EntryPoint(
        name=name, value=f'tests.fixtures.plugin_modules.{module}',
        group='amnsfw.plugins')


@pytest.fixture
def host() -> PluginHost:
    registries = {kind: Registry(kind) for kind in ('masker', 'loss')}
    return PluginHost(registries, builtins=())


def test_plugin_components_are_registered_and_attributed(host):
    host.load([entry_point('good', 'good_plugin')], environ={})
    assert host.registries['masker'].get('GoodMasker') is good_plugin.GoodMasker
    assert host.registries['loss'].get('GoodLossAlias') is good_plugin.GoodLoss
    assert host.plugins['good'].components == {
        'loss': ['GoodLossAlias'], 'masker': ['GoodMasker']}
    assert host.plugins['good'].error is None


def test_decorator_registration(host):
    host.load([entry_point('deco', 'decorator_plugin')], environ={})
    assert host.plugins['deco'].components == {'masker': ['DecoratedMasker']}


def test_builtins_load_before_entry_points(host):
    host.builtins = (good_plugin, )
    host.load([entry_point('deco', 'decorator_plugin')], environ={})
    assert list(host.plugins) == ['amnsfw', 'deco']
    assert host.owner_of('masker', 'GoodMasker').startswith('amnsfw ')


def test_broken_plugin_is_reported_and_others_still_load(host):
    eps = [entry_point('broken', 'import_error_plugin'),
           entry_point('good', 'good_plugin')]
    with pytest.warns(PluginLoadWarning) as caught:
        host.load(eps, environ={})
    message = str(caught[0].message)
    assert 'broken' in message and '(?)' in message
    assert 'ImportError' in message and 'not installed' in message
    assert 'GoodMasker' in host.registries['masker']
    assert host.plugins['broken'].error.startswith('ImportError')
    assert 'broken' in host.describe() and 'failed' in host.describe()


def test_collision_names_both_plugins_and_rolls_back(host):
    eps = [entry_point('good', 'good_plugin'),
           entry_point('clash', 'clashing_plugin')]
    with pytest.warns(PluginLoadWarning) as caught:
        host.load(eps, environ={})
    message = str(caught[0].message)
    assert "registers masker 'GoodMasker'" in message
    assert 'plugin clash' in message and 'plugin good' in message
    # The first owner keeps its component; the clashing plugin leaves nothing.
    assert host.registries['masker'].get('GoodMasker') is good_plugin.GoodMasker
    assert 'ClashLoss' not in host.registries['loss'].module_dict
    assert host.plugins['clash'].components == {}


@pytest.mark.parametrize('environ, expected', [
    ({}, ['a', 'b']),
    ({DISABLE_AUTOLOAD_ENV: '1'}, []),
    ({DISABLE_AUTOLOAD_ENV: '0'}, ['a', 'b']),
    ({ALLOWLIST_ENV: 'b'}, ['b']),
    ({ALLOWLIST_ENV: 'a, b'}, ['a', 'b']),
    ({DISABLE_AUTOLOAD_ENV: '1', ALLOWLIST_ENV: 'a'}, ['a']),
])
def test_select_entry_points(environ, expected):
    eps = [entry_point('a', 'good_plugin'), entry_point('b', 'good_plugin')]
    assert [ep.name for ep in select_entry_points(eps, environ)] == expected


def test_allowlist_warns_about_missing_plugins():
    with pytest.warns(PluginLoadWarning, match='not installed: ghost'):
        select_entry_points([entry_point('a', 'good_plugin')],
                            {ALLOWLIST_ENV: 'a,ghost'})
