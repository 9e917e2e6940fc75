"""Plugin loading: order, attribution, failures, collisions and discovery."""
import importlib.metadata
from types import SimpleNamespace

import pytest
from mmengine.registry import Registry

import amnsfw.cli
import amnsfw.plugin_host
from amnsfw import builtin_plugin
from amnsfw.plugin_host import (ALLOWLIST_ENV, API_ATTRIBUTE,
                                DISABLE_AUTOLOAD_ENV, LEGACY_API_VERSION,
                                PluginApiWarning, PluginHost,
                                PluginLoadWarning, select_entry_points)
from amnsfw.version import PLUGIN_API_VERSION, __version__
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
    masker = host.registries['masker'].get('GoodMasker')
    assert masker is good_plugin.GoodMasker
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
    masker = host.registries['masker'].get('GoodMasker')
    assert masker is good_plugin.GoodMasker
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


class DistEntryPoint:
    """An entry point of a named distribution, as pip-installed ones are."""

    def __init__(self, name: str, module: str, dist: str,
                 version: str) -> None:
        self.name = name
        self.dist = SimpleNamespace(name=dist, version=version)
        self._entry_point = entry_point(name, module)

    def load(self):
        return self._entry_point.load()


def test_incompatible_api_is_refused_and_others_still_load(host):
    eps = [DistEntryPoint('future', 'future_api_plugin', 'amnsfw-future',
                          '2.0.0'),
           entry_point('good', 'good_plugin')]
    with pytest.warns(PluginLoadWarning) as caught:
        host.load(eps, environ={})
    assert len(caught) == 1
    message = str(caught[0].message)
    assert 'plugin future 2.0.0 (amnsfw-future)' in message
    assert "targets amnsfw plugin API '2'" in message
    assert f"offers plugin API '{PLUGIN_API_VERSION}'" in message
    assert 'FutureMasker' not in host.registries['masker'].module_dict
    assert host.plugins['future'].error.startswith('PluginApiError')
    assert host.plugins['future'].api_version == '2'
    assert host.plugins['good'].api_version == PLUGIN_API_VERSION
    assert 'GoodMasker' in host.registries['masker']


def test_undeclared_api_loads_as_the_legacy_api_with_a_warning(host):
    with pytest.warns(PluginApiWarning,
                      match=f"does not declare .*{API_ATTRIBUTE} in tests."
                      f"fixtures.plugin_modules.undeclared_plugin.*treated "
                      f"as API '{LEGACY_API_VERSION}'"):
        host.load([entry_point('old', 'undeclared_plugin')], environ={})
    assert host.plugins['old'].error is None
    assert host.plugins['old'].api_version is None
    assert host.plugins['old'].components == {'masker': ['UndeclaredMasker']}


def test_an_api_bump_refuses_undeclared_plugins(host, monkeypatch):
    monkeypatch.setattr(amnsfw.plugin_host, 'PLUGIN_API_VERSION', '2')
    with pytest.warns(PluginApiWarning), pytest.warns(
            PluginLoadWarning, match="API '1' \\(assumed, no "):
        host.load([entry_point('old', 'undeclared_plugin')], environ={})
    assert 'UndeclaredMasker' not in host.registries['masker'].module_dict


def test_cli_lists_api_versions(host, monkeypatch, capsys):
    host.builtins = (builtin_plugin, )
    with pytest.warns(PluginLoadWarning):
        host.load([entry_point('good', 'good_plugin'),
                   DistEntryPoint('future', 'future_api_plugin',
                                  'amnsfw-future', '2.0.0')], environ={})
    monkeypatch.setattr(amnsfw.cli, 'load_plugins', lambda: host)
    assert amnsfw.cli.main(['plugins']) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == (f'amnsfw  distribution=amnsfw  version={__version__}'
                        f'  api={PLUGIN_API_VERSION}')
    assert (f'good  distribution=?  version=?  api={PLUGIN_API_VERSION}'
            in lines)
    assert '    masker: GoodMasker' in lines
    future = lines.index(
        'future  distribution=amnsfw-future  version=2.0.0  api=2')
    assert lines[future + 1].startswith('    FAILED: PluginApiError: ')


def test_a_component_that_breaks_its_contract_rolls_its_plugin_back(host):
    with pytest.warns(PluginLoadWarning) as caught:
        host.load([entry_point('broken', 'broken_contract_plugin')],
                  environ={})
    message = str(caught[0].message)
    assert "ContractError: masker 'TokensOnlyMasker'" in message
    assert 'Masker contract of amnsfw.plugin_api' in message
    assert 'forward takes (self, tokens), called with (tokens, images, ' \
        'text_embeds)' in message
    # The loss it registered first is rolled back with it.
    assert 'FineLoss' not in host.registries['loss'].module_dict


def test_plugins_are_handed_a_kind_under_its_old_name_too():
    host = PluginHost({'model': Registry('model')}, builtins=(),
                      aliases={'retriever': 'model'})
    host.load([entry_point('old', 'alias_plugin')], environ={})
    assert host.plugins['old'].components == {'model': ['OldStyleRetriever']}


def test_skipped_plugins_are_reported_with_why():
    host = PluginHost({kind: Registry(kind) for kind in ('masker', 'loss')},
                      builtins=(good_plugin, ))
    host.load([entry_point('a', 'decorator_plugin'),
               DistEntryPoint('b', 'good_plugin', 'amnsfw-b', '1.2')],
              environ={ALLOWLIST_ENV: 'a'})
    why = f'{ALLOWLIST_ENV}=a does not name it'
    assert host.skipped == {'b 1.2 (amnsfw-b)': why}
    assert host.describe() == (
        f'Loaded plugins: amnsfw {__version__} (amnsfw), a ? (?); '
        f'installed but not loaded: b 1.2 (amnsfw-b) [{why}]')


def test_autoload_off_reports_every_entry_point_as_skipped(host):
    host.load([entry_point('a', 'good_plugin')],
              environ={DISABLE_AUTOLOAD_ENV: '1'})
    assert host.skipped == {'a ? (?)': f'{DISABLE_AUTOLOAD_ENV}=1 and '
                            f'{ALLOWLIST_ENV} does not name it'}
    assert host.describe().startswith('Loaded plugins: none; installed but '
                                      'not loaded: a ? (?) [')


def test_the_core_owns_what_its_modules_registered_before_loading():
    # amnsfw's component modules may be imported (their decorators run)
    # before the first lookup loads the plugins.
    registries = {'masker': Registry('masker'), 'loss': Registry('loss')}
    registries['masker'].register_module(module=good_plugin.GoodMasker)
    host = PluginHost(registries, builtins=(builtin_plugin, ))
    host.load([entry_point('deco', 'decorator_plugin')], environ={})
    assert host.plugins['amnsfw'].components == {'masker': ['GoodMasker']}
    assert host.plugins['deco'].components == {'masker': ['DecoratedMasker']}
