"""Registries: one per kind, scope amnsfw, lookups and unknown names."""
import logging

import pytest
import torch
from mmengine.registry import DefaultScope, Registry
from mmengine.registry import METRICS as MMENGINE_METRICS
from mmengine.registry import MODELS as MMENGINE_MODELS

from amnsfw.registry import (METRICS, MODELS, REGISTRIES, RUNNER_SCOPE_NODES,
                             ComponentRegistry, UnknownComponentError)

KINDS = {'model', 'backbone', 'tokenizer', 'masker', 'loss',
         'embedding_head', 'dataset',
         'transform', 'sampler', 'function', 'metric', 'hook'}


def test_one_registry_per_kind_in_scope_amnsfw():
    assert set(REGISTRIES) == KINDS
    for kind, registry in REGISTRIES.items():
        assert registry.name == kind
        assert registry.scope == 'amnsfw'
        assert isinstance(registry, ComponentRegistry)
    assert MODELS.parent is MMENGINE_MODELS
    assert METRICS.parent is MMENGINE_METRICS


def test_mmengine_root_finds_amnsfw_component_in_default_scope():
    metric_cls = METRICS.get('TextToImageRetrievalMetric')
    with DefaultScope.overwrite_default_scope('amnsfw'):
        metric = MMENGINE_METRICS.build(
            dict(type='TextToImageRetrievalMetric'))
    assert type(metric) is metric_cls
    assert MMENGINE_METRICS.get('amnsfw.TextToImageRetrievalMetric') is \
        metric_cls


def test_parent_components_stay_reachable():
    import mmengine.hooks  # noqa: F401  (the runner imports them too)
    # MMEngine's own hooks are found through amnsfw's hook registry.
    assert REGISTRIES['hook'].get('CheckpointHook').__name__ == \
        'CheckpointHook'


def test_unknown_name_message():
    with pytest.raises(UnknownComponentError) as info:
        METRICS.build(dict(type='TextToImageRetrievalMetrc'))
    message = str(info.value)
    assert "unknown metric 'TextToImageRetrievalMetrc'" in message
    assert 'Closest known names: TextToImageRetrievalMetric' in message
    assert 'Loaded plugins: amnsfw 0.1.0 (amnsfw)' in message
    assert isinstance(info.value, KeyError)


def test_contains():
    assert 'TextToImageRetrievalMetric' in METRICS
    assert 'NoSuchMetric' not in METRICS


def mmengine_roots():
    """Every root registry of MMEngine, by its attribute name."""
    import mmengine.registry.root as root
    return {name: value for name, value in vars(root).items()
            if isinstance(value, Registry) and value.parent is None}


def test_every_mmengine_registry_tree_has_an_amnsfw_scope():
    # Without one, MMEngine's runner warns "Failed to search registry with
    # scope 'amnsfw'" for each tree it builds from (optimizer, loop, ...).
    for name, root in mmengine_roots().items():
        assert root._search_child('amnsfw') is not None, name
    assert set(RUNNER_SCOPE_NODES) == set(mmengine_roots()) - {
        'MODELS', 'DATASETS', 'DATA_SAMPLERS', 'TRANSFORMS', 'FUNCTIONS',
        'METRICS', 'HOOKS'}


def test_runner_builds_mmengine_components_through_the_scope_without_warning(
        monkeypatch):
    import mmengine.logging
    from mmengine.registry import OPTIMIZERS
    logged = []
    # The registry imports print_log where it warns; debug lines aside.
    monkeypatch.setattr(
        mmengine.logging, 'print_log',
        lambda message, level=logging.INFO, **kwargs: logged.append(message)
        if level >= logging.WARNING else None)
    with OPTIMIZERS.switch_scope_and_registry('nosuchscope'):
        pass
    assert 'Failed to search registry with scope "nosuchscope"' in logged[-1]
    logged.clear()
    with OPTIMIZERS.switch_scope_and_registry('amnsfw') as registry:
        optimizer = registry.build(
            dict(type='AdamW', params=[torch.zeros(1, requires_grad=True)]))
    assert type(optimizer) is torch.optim.AdamW
    assert registry is RUNNER_SCOPE_NODES['OPTIMIZERS']
    assert logged == []


def test_the_model_kind_holds_retrievers_and_preprocessors(capsys):
    from amnsfw.cli import main
    assert {'TextImageRetriever', 'PersonSearchDataPreprocessor'} <= set(
        MODELS.module_dict)
    # 'retriever', the kind's old name, still lists it.
    assert main(['components', 'retriever']) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == 'model:'
    assert '    TextImageRetriever  [amnsfw]' in lines
