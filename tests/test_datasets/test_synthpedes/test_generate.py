import hashlib
import json
import os

import pytest
from PIL import Image

from amnsfw.datasets.synthpedes import generate_synthpedes, oracle_scores
from amnsfw.datasets.synthpedes.captions import tokenize

SIZES = dict(num_train_ids=20, num_val_ids=3, num_test_ids=10, images_per_id=3)


def _load(dataset_dir, name):
    with open(os.path.join(dataset_dir, name), encoding='utf-8') as file:
        return json.load(file)


def _fingerprint(dataset_dir):
    """Hash of the annotation file and of every image, by file path."""
    hashes = {}
    for folder, _, files in os.walk(os.path.join(dataset_dir, 'imgs')):
        for name in files:
            path = os.path.join(folder, name)
            with open(path, 'rb') as file:
                hashes[os.path.relpath(path, dataset_dir)] = hashlib.sha256(
                    file.read()).hexdigest()
    with open(os.path.join(dataset_dir, 'reid_raw.json'), 'rb') as file:
        hashes['reid_raw.json'] = hashlib.sha256(file.read()).hexdigest()
    return hashes


@pytest.fixture(scope='module')
def tiny(tmp_path_factory):
    """A tiny data set generated once for the format tests."""
    return generate_synthpedes(
        str(tmp_path_factory.mktemp('data')), seed=3, **SIZES)


def test_format_matches_cuhk_pedes(tiny):
    records = _load(tiny.path, 'reid_raw.json')
    assert isinstance(records, list)
    ids_per_split = {'train': set(), 'val': set(), 'test': set()}
    for rec in records:
        assert set(rec) == {
            'split', 'id', 'file_path', 'captions', 'processed_tokens'
        }
        assert isinstance(rec['id'], int) and rec['id'] >= 1
        ids_per_split[rec['split']].add(rec['id'])
        assert len(rec['captions']) == 2
        assert rec['processed_tokens'] == [
            tokenize(c) for c in rec['captions']
        ]
        with Image.open(os.path.join(tiny.path, 'imgs',
                                     rec['file_path'])) as image:
            assert image.size == (64, 192) and image.mode == 'RGB'
    all_ids = set().union(*ids_per_split.values())
    assert all_ids == set(range(1, len(all_ids) + 1))
    assert sum(len(ids) for ids in ids_per_split.values()) == len(all_ids)


def test_sizes_honoured(tiny):
    records = _load(tiny.path, 'reid_raw.json')
    expected = {'train': 20, 'val': 3, 'test': 10}
    for split, num_ids in expected.items():
        split_records = [rec for rec in records if rec['split'] == split]
        assert len({rec['id'] for rec in split_records}) == num_ids
        assert len(split_records) == 3 * num_ids
        counts = tiny.splits[split]
        assert (counts.ids, counts.images,
                counts.captions) == (num_ids, 3 * num_ids, 6 * num_ids)


def test_captions_mention_true_attributes(tiny):
    table = _load(tiny.path, 'attributes.json')
    records = _load(tiny.path, 'reid_raw.json')
    assert set(table['mentions']) == {rec['file_path'] for rec in records}
    for rec in records:
        attrs = table['identities'][str(rec['id'])]
        mentions = table['mentions'][rec['file_path']]
        assert len(mentions) == len(rec['captions'])
        for keys, caption in zip(mentions, rec['captions']):
            assert 3 <= len(keys) <= 5 and len(set(keys)) == len(keys)
            assert set(keys) <= set(attrs)
            words = set(tokenize(caption))
            for key in keys:
                value = attrs[key]
                assert value not in (None, False), (key, caption)
                if key.endswith('_color'):
                    synonyms = {
                        'grey': {'grey', 'gray'},
                        'blonde': {'blonde', 'blond'}
                    }
                    assert words & synonyms.get(value, {value}), caption


def test_oracle_between_chance_and_perfect(tiny):
    assert tiny.chance_r1 < tiny.oracle_r1 <= 100.0
    assert tiny.chance_r1 < tiny.oracle_map <= 100.0
    recomputed = oracle_scores(tiny.path)
    assert recomputed.r1 == pytest.approx(tiny.oracle_r1)
    assert recomputed.mean_ap == pytest.approx(tiny.oracle_map)
    assert recomputed.chance_r1 == pytest.approx(100.0 / 10)


def test_deterministic_for_a_seed(tmp_path):
    first = generate_synthpedes(str(tmp_path / 'a'), seed=5, **SIZES)
    second = generate_synthpedes(str(tmp_path / 'b'), seed=5, **SIZES)
    other = generate_synthpedes(str(tmp_path / 'c'), seed=6, **SIZES)
    assert _fingerprint(first.path) == _fingerprint(second.path)
    different = _fingerprint(other.path)
    assert different.keys() == _fingerprint(first.path).keys()
    assert different['reid_raw.json'] != _fingerprint(
        first.path)['reid_raw.json']
    assert different != _fingerprint(first.path)


def test_rejects_bad_sizes(tmp_path):
    with pytest.raises(ValueError, match='num_test_ids'):
        generate_synthpedes(str(tmp_path), num_test_ids=0)


def test_skips_existing_and_force_regenerates(tmp_path):
    sizes = dict(num_train_ids=4, num_val_ids=1, num_test_ids=3,
                 images_per_id=2)
    assert generate_synthpedes(str(tmp_path), **sizes).generated
    # A marked image shows whether a later run rewrote the data set.
    image = tmp_path / 'SynthPEDES' / 'imgs' / 'train' / '00001_0.jpg'
    original = image.read_bytes()
    image.write_bytes(b'marker')

    again = generate_synthpedes(str(tmp_path), **sizes)
    assert not again.generated and 'R@1' in again.format_table()
    assert image.read_bytes() == b'marker'

    assert generate_synthpedes(str(tmp_path), force=True, **sizes).generated
    assert image.read_bytes() == original

    assert generate_synthpedes(str(tmp_path),
                               **dict(sizes, images_per_id=3)).generated
    annotation = tmp_path / 'SynthPEDES' / 'reid_raw.json'
    assert len(json.loads(annotation.read_text())) == 8 * 3
