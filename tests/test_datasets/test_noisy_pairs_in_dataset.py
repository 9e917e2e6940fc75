"""Noisy correspondence injected into the train pairs of a data set."""
import os

import numpy as np
import pytest
import torch
from mmengine.optim import OptimWrapper
from mmengine.registry import DefaultScope

from amnsfw.datasets import CUHKPEDES, collate_person_search
from amnsfw.datasets.noisy_correspondence import (NoiseIndexError,
                                                  make_noise_index,
                                                  save_noise_index)
from amnsfw.registry import MODELS
from amnsfw.testing import TINY_ENCODER

RATE = 0.5


@pytest.fixture(scope='module')
def build(synthpedes_root, pipelines):
    """Build a synthpedes split, optionally with pipelines and noise."""

    def build_split(split='train', with_pipelines=False, **kwargs):
        if with_pipelines:
            image_key = ('train_image_pipeline'
                         if split == 'train' else 'test_image_pipeline')
            kwargs.update(image_pipeline=pipelines[image_key],
                          text_pipeline=pipelines['text_pipeline'])
        with DefaultScope.overwrite_default_scope('amnsfw'):
            return CUHKPEDES(data_root=synthpedes_root, split=split,
                             **kwargs)

    return build_split


def _items(dataset):
    return [dataset.get_data_info(i) for i in range(len(dataset))]


@pytest.fixture(scope='module')
def clean(build):
    return build()


def test_clean_dataset_has_no_noisy_pairs(clean):
    assert clean.noisy_pairs.dtype == bool
    assert clean.noisy_pairs.shape == (len(clean), )
    assert not clean.noisy_pairs.any()
    assert clean.metainfo['noise_rate'] == 0.0
    assert clean.metainfo['num_noisy_pairs'] == 0


def test_captions_differ_exactly_at_flagged_pairs(build, clean):
    noisy = build(noise_rate=RATE, noise_seed=3)
    clean_items, noisy_items = _items(clean), _items(noisy)
    assert len(clean_items) == len(noisy_items) == 24
    flags = noisy.noisy_pairs
    assert flags.sum() == len(clean_items) // 2
    assert noisy.metainfo['noise_rate'] == RATE
    assert noisy.metainfo['num_noisy_pairs'] == len(clean_items) // 2
    clean_captions = [item['caption'] for item in clean_items]
    for i, (before, after) in enumerate(zip(clean_items, noisy_items)):
        assert (after['caption'] != before['caption']) == flags[i]
        # Pair i got the caption of pair noise_index[i].
        assert after['caption'] == clean_captions[noisy.noise_index[i]]
        for key in ('img_path', 'pid', 'image_index', 'index'):
            assert after[key] == before[key], key
    assert (sorted(item['caption'] for item in noisy_items) ==
            sorted(clean_captions))


def test_clean_pairs_only_keeps_exactly_the_pairs_the_noise_left_clean(
        build):
    noisy = build(noise_rate=RATE, noise_seed=3)
    oracle = build(noise_rate=RATE, noise_seed=3, clean_pairs_only=True)
    expected = [item for item, flag in zip(_items(noisy), noisy.noisy_pairs)
                if not flag]
    kept = _items(oracle)
    assert len(kept) == len(expected) == 12
    for new_index, (item, before) in enumerate(zip(kept, expected)):
        assert item['index'] == new_index  # renumbered, in order
        for key in ('img_path', 'caption', 'pid', 'image_index'):
            assert item[key] == before[key], key
    assert not oracle.noisy_pairs.any() and len(oracle.noisy_pairs) == 12
    assert oracle.metainfo['num_dropped_noisy_pairs'] == 12
    assert oracle.metainfo['num_noisy_pairs'] == 0


def test_clean_pairs_only_is_for_the_train_split(build):
    with pytest.raises(ValueError, match='clean_pairs_only'):
        build(split='val', clean_pairs_only=True)


def test_same_seed_same_noise_other_seed_other_noise(build):
    first = build(noise_rate=RATE, noise_seed=3)
    again = build(noise_rate=RATE, noise_seed=3)
    other = build(noise_rate=RATE, noise_seed=4)
    assert np.array_equal(first.noise_index, again.noise_index)
    assert not np.array_equal(first.noise_index, other.noise_index)


def test_noise_file_is_created_then_reused(build, tmp_path):
    path = str(tmp_path / 'noiseindex' / 'SynthPEDES_0.5.npy')
    created = build(noise_rate=RATE, noise_seed=5, noise_file=path)
    assert os.path.isfile(path)
    assert np.array_equal(np.load(path), created.noise_index)
    # Reused: a different seed does not matter once the file exists.
    reused = build(noise_rate=RATE, noise_seed=6, noise_file=path)
    assert np.array_equal(reused.noise_index, created.noise_index)
    assert ([item['caption'] for item in _items(reused)] ==
            [item['caption'] for item in _items(created)])
    assert np.array_equal(reused.noisy_pairs, created.noisy_pairs)


def test_rde_file_is_loaded_as_given(build, tmp_path):
    # A hand-made index, as RDE would publish it: pairs 0 and 1 swap.
    idx = np.arange(24)
    idx[[0, 1]] = [1, 0]
    path = str(tmp_path / 'rde.npy')
    np.save(path, idx)
    dataset = build(noise_rate=0.1, noise_file=path)  # floor(2.4) == 2
    assert np.flatnonzero(dataset.noisy_pairs).tolist() == [0, 1]


def test_wrong_length_file_raises(build, tmp_path):
    path = str(tmp_path / 'other_set.npy')
    save_noise_index(path, make_noise_index(25, RATE, seed=0))
    with pytest.raises(NoiseIndexError) as info:
        build(noise_rate=RATE, noise_file=path)
    message = str(info.value)
    assert path in message and '25' in message and '24' in message


def test_file_for_another_rate_raises(build, tmp_path):
    path = str(tmp_path / 'SynthPEDES_0.2.npy')
    save_noise_index(path, make_noise_index(24, 0.2, seed=0))
    with pytest.raises(ValueError, match='noise_rate=0.5'):
        build(noise_rate=RATE, noise_file=path)


def test_items_carry_no_noisy_flag(build):
    dataset = build(noise_rate=RATE, noise_seed=3, with_pipelines=True)
    # Exactly the clean pair fields, so no flag hides under another name.
    assert {key for item in _items(dataset) for key in item} == {
        'img_path', 'caption', 'pid', 'image_index', 'index', 'sample_idx'}
    forbidden = ('noisy', 'noise', 'clean', 'correspond')
    for i in np.flatnonzero(dataset.noisy_pairs)[:2].tolist() + [
            int(np.flatnonzero(~dataset.noisy_pairs)[0])]:
        for item in (dataset[i], dataset.get_data_info(i)):
            assert 'text_ids' in item or 'caption' in item
            bad = [k for k in item if any(w in k.lower() for w in forbidden)]
            assert not bad, f'item {i} carries {bad}'


def test_invalid_rate_raises_before_loading(build):
    # lazy_init: nothing is loaded, so only the early check can raise.
    with pytest.raises(ValueError, match=r'\[0, 1\)'):
        build(noise_rate=1.0, lazy_init=True)


@pytest.mark.parametrize('split', ['val', 'test'])
@pytest.mark.parametrize('kwargs', [
    dict(noise_rate=RATE), dict(noise_seed=1),
    dict(noise_file='noise.npy')])
def test_noise_args_on_eval_split_raise(build, split, kwargs, tmp_path):
    if 'noise_file' in kwargs:
        kwargs = dict(noise_file=str(tmp_path / kwargs['noise_file']))
    with pytest.raises(ValueError, match='train split only'):
        build(split=split, **kwargs)
    assert not os.listdir(tmp_path)


def test_eval_split_without_noise_args_builds(build):
    dataset = build(split='val')
    assert dataset.noisy_pairs is None
    assert 'noise_rate' not in dataset.metainfo


class SpyLoss(torch.nn.Module):
    """Records what a loss head is handed, and returns a zero term."""

    seen_keys: set = set()

    def forward(self, features):
        SpyLoss.seen_keys |= set(features)
        return dict(loss_spy=features['image_embeds'].sum() * 0)


def test_training_loss_never_sees_the_noisy_flags(build, tokenizer_cfg):
    noisy = build(noise_rate=RATE, noise_seed=3, with_pipelines=True)
    model = MODELS.build(dict(
        type='TextImageRetriever', tokenizer=tokenizer_cfg,
        image_encoder=dict(type='CLIPImageEncoder', image_size=(96, 32),
                           config=dict(TINY_ENCODER, patch_size=16,
                                       image_size=32)),
        text_encoder=dict(type='CLIPTextEncoder', config=dict(TINY_ENCODER)),
        loss_heads=[dict(type=SpyLoss)]))
    noisy_rows = [i for i in range(len(noisy)) if noisy.noisy_pairs[i]]
    batch = collate_person_search([noisy[i] for i in noisy_rows[:4]])
    model.train_step(batch, optim_wrapper=OptimWrapper(
        torch.optim.SGD(model.parameters(), lr=0.0)))
    assert SpyLoss.seen_keys, 'the spy loss head was not called'
    assert not [key for key in SpyLoss.seen_keys if 'nois' in key.lower()]
