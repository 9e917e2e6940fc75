import random

import pytest
import torch

from amnsfw.datasets.synthpedes.attributes import sample_identity
from amnsfw.datasets.synthpedes.generate import generate_synthpedes
from amnsfw.datasets.synthpedes.pretrain_corpus import (
    DEFAULT_EXCLUDE, SynthPEDESPretrain, attribute_signature,
    excluded_signatures, pretrain_identity, synthpedes_identities)
from amnsfw.datasets.synthpedes.oracle import ATTRIBUTE_FILE


def test_synthpedes_identities_are_the_generators(tmp_path):
    generate_synthpedes(str(tmp_path), num_train_ids=3, num_val_ids=1,
                        num_test_ids=2, images_per_id=1, image_size=(32, 16))
    import json
    with open(tmp_path / 'SynthPEDES' / ATTRIBUTE_FILE) as file:
        written = json.load(file)['identities']
    drawn = synthpedes_identities(seed=0, num_train_ids=3, num_val_ids=1,
                                  num_test_ids=2)
    assert {str(pid): person.attributes()
            for pid, person in drawn.items()} == written


def test_no_pretraining_person_looks_like_a_synthpedes_person():
    excluded = excluded_signatures(DEFAULT_EXCLUDE)
    assert len(excluded) > 1000  # all three splits, few exact repeats
    drawn = [attribute_signature(pretrain_identity(0, k, excluded))
             for k in range(20_000)]
    assert not set(drawn) & excluded


def test_a_look_alike_is_redrawn_from_the_same_stream():
    first = pretrain_identity(0, 7, frozenset())
    redrawn = pretrain_identity(0, 7,
                                frozenset({attribute_signature(first)}))
    assert attribute_signature(redrawn) != attribute_signature(first)
    assert pretrain_identity(0, 7, frozenset()) == first


def test_the_fine_tuning_stream_would_collide_without_exclusion():
    """Why exclusion is needed: common descriptions recur across streams."""
    excluded = excluded_signatures(DEFAULT_EXCLUDE)
    rng = random.Random('another stream')
    hits = sum(attribute_signature(sample_identity(rng)) in excluded
               for _ in range(20_000))
    assert hits > 0


def test_unknown_exclude_key_is_named():
    with pytest.raises(ValueError, match='num_tests_ids'):
        excluded_signatures(dict(num_tests_ids=3))


def test_items_are_deterministic_and_identity_labelled():
    corpus = SynthPEDESPretrain(num_ids=50, images_per_id=2,
                                image_size=(48, 16))
    again = SynthPEDESPretrain(num_ids=50, images_per_id=2,
                               image_size=(48, 16))
    assert len(corpus) == 100
    for index in (0, 1, 57, 99):
        item, other = corpus.raw_item(index), again.raw_item(index)
        assert item['pid'] == index // 2 and item['index'] == index
        assert item['caption'] == other['caption']
        assert (item['img'] == other['img']).all()
        assert item['img'].shape == (48, 16, 3)
    # Two views of one person differ; the image is BGR uint8.
    assert not (corpus.raw_item(0)['img'] == corpus.raw_item(1)['img']).all()
    with pytest.raises(IndexError, match='100 items'):
        corpus.raw_item(100)


def test_loose_captions_describe_someone_else_at_the_set_rate():
    corpus = SynthPEDESPretrain(num_ids=1000, images_per_id=1,
                                image_size=(32, 16), loose_probability=0.2)
    described = [corpus.raw_item(i)['described'] for i in range(600)]
    loose = sum(d != i for i, d in enumerate(described)) / 600
    assert 0.14 < loose < 0.26


def test_pipelines_run_on_items():
    corpus = SynthPEDESPretrain(
        num_ids=4, image_size=(96, 32),
        image_pipeline=[dict(type='ImageToRGBTensor')],
        text_pipeline=[dict(type='TokenizeCaption', tokenizer=dict(
            type='WordLevelTokenizer',
            vocab_file='zoo://tinyclip-synthpedes/tokenizer.json',
            max_length=32))])
    item = corpus[3]
    assert item['img'].shape == torch.Size([3, 96, 32])
    assert item['text_ids'].shape == torch.Size([32])
    assert 'described' not in item


@pytest.mark.parametrize('kwargs', [dict(num_ids=1), dict(images_per_id=0),
                                    dict(loose_probability=1.0)])
def test_bad_sizes_are_refused(kwargs):
    with pytest.raises(ValueError):
        SynthPEDESPretrain(**kwargs)
