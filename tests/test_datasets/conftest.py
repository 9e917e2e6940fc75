"""Shared fixtures: one tiny SynthPEDES set and the synthpedes pipelines."""
import copy
import json
import os
from typing import Callable, Dict, List

import pytest
from mmengine.config import Config
from mmengine.registry import DefaultScope

from amnsfw.datasets import CUHKPEDES
from amnsfw.datasets.synthpedes import generate_synthpedes

CONFIG = os.path.join(
    os.path.dirname(__file__), '..', '..', 'configs', '_base_', 'datasets',
    'synthpedes.py')
MAX_LENGTH = 16


@pytest.fixture(scope='session')
def synthpedes_root(tmp_path_factory) -> str:
    """``<tmp>/SynthPEDES``: 6 train, 3 val, 3 test ids, 2 images each."""
    summary = generate_synthpedes(
        str(tmp_path_factory.mktemp('data')),
        num_train_ids=6, num_val_ids=3, num_test_ids=3, images_per_id=2,
        seed=0)
    return summary.path


@pytest.fixture(scope='session')
def synthpedes_records(synthpedes_root) -> List[dict]:
    """The raw records of its ``reid_raw.json``."""
    with open(os.path.join(synthpedes_root, 'reid_raw.json'),
              encoding='utf-8') as file:
        return json.load(file)


@pytest.fixture(scope='session')
def tokenizer_cfg(synthpedes_root, tmp_path_factory) -> Dict:
    """Word-level tokenizer trained once on the train captions."""
    return dict(
        type='WordLevelTokenizer',
        vocab_file=str(tmp_path_factory.mktemp('vocab') / 'vocab.json'),
        corpus=os.path.join(synthpedes_root, 'reid_raw.json'),
        max_length=MAX_LENGTH)


@pytest.fixture(scope='session')
def pipelines(tokenizer_cfg) -> Config:
    """The pipelines of ``configs/_base_/datasets/synthpedes.py``, with the
    tokenizer pointed at the tiny set."""
    cfg = Config.fromfile(CONFIG)
    text_pipeline = copy.deepcopy(cfg.train_dataloader.dataset.text_pipeline)
    text_pipeline[0]['tokenizer'] = tokenizer_cfg
    return dict(
        train_image_pipeline=cfg.train_dataloader.dataset.image_pipeline,
        test_image_pipeline=cfg.test_dataloader.dataset.image_pipeline,
        text_pipeline=text_pipeline,
        image_size=tuple(cfg.model.image_encoder.image_size))


@pytest.fixture(scope='session')
def build_synthpedes(synthpedes_root, pipelines) -> Callable[..., CUHKPEDES]:
    """Build the synthpedes reader of a split as the config does (default
    scope ``amnsfw``, as the runner sets it)."""

    def build(split: str, with_pipelines: bool = True) -> CUHKPEDES:
        kwargs = {}
        if with_pipelines:
            image_key = ('train_image_pipeline'
                         if split == 'train' else 'test_image_pipeline')
            kwargs = dict(image_pipeline=pipelines[image_key],
                          text_pipeline=pipelines['text_pipeline'])
        with DefaultScope.overwrite_default_scope('amnsfw'):
            return CUHKPEDES(data_root=synthpedes_root, split=split, **kwargs)

    return build
