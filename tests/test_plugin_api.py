"""The declared plugin API: contracts of the registered components, what
plugins import, and the one-way imports of the plugin machinery."""
import ast
import re
from pathlib import Path

import pytest
import torch
from torch import nn

import amnsfw.plugin_api as plugin_api
from amnsfw.contracts import (CONTRACTS, ContractError, EmbeddingHead,
                              LossHead, Masker, PerPairLoss, check_component,
                              contract_violations)

REPO = Path(__file__).resolve().parents[1]
#: The code of the plugins in this repository, and the plugin template.
PLUGIN_CODE = sorted(
    [*REPO.glob('plugins/*/amnsfw_*/**/*.py'),
     *REPO.glob('examples/*/amnsfw_*/**/*.py'),
     *REPO.glob('amnsfw/templates/plugin/**/*.tmpl')])
#: Modules of amnsfw a plugin may import.
PLUGIN_IMPORTABLE = {'amnsfw.plugin_api', 'amnsfw.testing'}


def test_plugin_code_is_found():
    names = {path.name for path in PLUGIN_CODE}
    assert {'triplet_alignment_loss.py', 'attention_weighted_masker.py',
            'center_bias_masker.py', 'component.py.tmpl'} <= names


@pytest.mark.parametrize('path', PLUGIN_CODE,
                         ids=lambda path: str(path.relative_to(REPO)))
def test_plugins_import_amnsfw_only_through_the_plugin_api(path):
    imported = re.findall(r'^\s*(?:from|import)\s+(amnsfw(?:\.\w+)*)\b',
                          path.read_text('utf-8'), flags=re.MULTILINE)
    allowed = PLUGIN_IMPORTABLE if 'test' in path.name else {
        'amnsfw.plugin_api'}
    assert set(imported) <= allowed


def imported_modules(module: str) -> set:
    """The amnsfw modules that ``module``'s source imports, anywhere."""
    path = REPO / (module.replace('.', '/') + '.py')
    found = set()
    for node in ast.walk(ast.parse(path.read_text('utf-8'))):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {name for name in found if name.split('.')[0] == 'amnsfw'}


@pytest.mark.parametrize('module', ['amnsfw.plugin_host', 'amnsfw.contracts',
                                    'amnsfw.hookspecs',
                                    'amnsfw.builtin_plugin'])
def test_the_plugin_machinery_does_not_import_the_registries(module):
    # registry -> plugin_host, never back: no import cycle.
    assert not imported_modules(module) & {
        'amnsfw.registry', 'amnsfw.plugins', 'amnsfw.plugin_api'}


def test_every_registered_component_satisfies_its_contract():
    # The core's components register with decorators, unchecked; the
    # plugins' through the checking registrars. Both must hold.
    plugin_api.load_plugins()
    for kind, protocol in CONTRACTS.items():
        registry = plugin_api.REGISTRIES[kind]
        assert registry.module_dict, kind
        for name, component in registry.module_dict.items():
            assert contract_violations(component, protocol) == [], name


def test_per_pair_loss_is_a_capability_found_with_isinstance():
    tal = plugin_api.LOSSES.build(dict(type='TALLoss'))
    sdm = plugin_api.LOSSES.build(dict(type='SDMLoss'))
    assert isinstance(tal, PerPairLoss) and isinstance(tal, LossHead)
    assert not isinstance(sdm, PerPairLoss) and isinstance(sdm, LossHead)


class NoForwardMasker(nn.Module):
    """An ``nn.Module`` whose forward is still the unimplemented one."""


class TextlessEmbedding(nn.Module):
    attention = None

    def embed_image(self, output):
        return output.embeds


class VariadicMasker(nn.Module):

    def forward(self, tokens, *rest):
        return tokens


class StaticLoss:

    @staticmethod
    def forward(features):
        return {}


@pytest.mark.parametrize('kind, component, message', [
    ('masker', NoForwardMasker, "masker 'X' (NoForwardMasker) does not "
     'satisfy the Masker contract of amnsfw.plugin_api: no method '
     'forward(self, tokens: torch.Tensor, images: torch.Tensor, '
     'text_embeds: torch.Tensor) -> torch.Tensor'),
    ('embedding_head', TextlessEmbedding, 'EmbeddingHead contract of '
     'amnsfw.plugin_api: no method embed_text(self, output'),
])
def test_check_component_names_the_component_and_the_missing_method(
        kind, component, message):
    with pytest.raises(ContractError) as info:
        check_component(kind, 'X', component)
    assert message in str(info.value)


@pytest.mark.parametrize('kind, component', [
    ('masker', VariadicMasker), ('loss', StaticLoss),
    ('backbone', NoForwardMasker),  # a kind without a protocol
])
def test_check_component_accepts_any_signature_the_call_binds_to(
        kind, component):
    check_component(kind, 'X', component)


def test_the_protocols_are_the_declared_contracts():
    assert CONTRACTS == {'masker': Masker, 'loss': LossHead,
                         'embedding_head': EmbeddingHead}
    assert {'Masker', 'LossHead', 'PerPairLoss', 'EmbeddingHead'} <= set(
        plugin_api.__all__)
    masker = plugin_api.MASKERS.build(dict(type='IdentityMasker'))
    tokens = torch.zeros(1, 3, 4)
    assert isinstance(masker, Masker) and masker(tokens, None, None) is tokens


def test_every_exported_name_exists():
    for name in plugin_api.__all__:
        assert hasattr(plugin_api, name), name
