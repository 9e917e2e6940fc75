"""Registries: one per kind, scope amnsfw, lookups and unknown names."""
import pytest
from mmengine.registry import DefaultScope
from mmengine.registry import METRICS as MMENGINE_METRICS
from mmengine.registry import MODELS as MMENGINE_MODELS

from amnsfw.registry import (METRICS, MODELS, REGISTRIES, ComponentRegistry,
                             UnknownComponentError)

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
