"""ICFGPEDES reader: 0-based ids, train/test file, val carved by identity."""
import copy
import json
import os

import pytest

from amnsfw.datasets import AnnotationError, ICFGPEDES
from amnsfw.datasets.icfg_pedes import carve_val_identities
from amnsfw.registry import DATASETS


def _record(split, pid, file_path, caption):
    """A record in the real ICFG-PEDES shape: one caption."""
    return dict(split=split, id=pid, file_path=file_path, captions=[caption],
                processed_tokens=[caption.lower().strip('.').split()])


# Train ids 0..4 (out of order, id 0 included), test ids 5 and 6.
RECORDS = [
    _record('train', 3, 'train/3_a.jpg', 'A man in red.'),
    _record('train', 0, 'train/0_a.jpg', 'A woman in blue.'),
    _record('test', 6, 'test/6_a.jpg', 'A child with a kite.'),
    _record('train', 1, 'train/1_a.jpg', 'A man with a bag.'),
    _record('train', 3, 'train/3_b.jpg', 'Red coat, black shoes.'),
    _record('train', 4, 'train/4_a.jpg', 'A tall woman.'),
    _record('test', 5, 'test/5_a.jpg', 'A cyclist.'),
    _record('train', 2, 'train/2_a.jpg', 'A man in grey.'),
    _record('train', 0, 'train/0_b.jpg', 'Blue dress.'),
]
TRAIN_IDS = [0, 1, 2, 3, 4]


@pytest.fixture
def root(tmp_path):
    (tmp_path / 'ICFG-PEDES.json').write_text(json.dumps(RECORDS))
    return str(tmp_path)


def _items(dataset):
    return [dataset.get_data_info(i) for i in range(len(dataset))]


def test_train_pairs_without_carve(root):
    dataset = ICFGPEDES(data_root=root, val_ids=0)
    imgs = os.path.join(root, 'imgs')
    train = [r for r in RECORDS if r['split'] == 'train']
    assert [(i['img_path'], i['caption'], i['pid']) for i in _items(dataset)
            ] == [(os.path.join(imgs, r['file_path']), r['captions'][0],
                   r['id']) for r in train]  # 0-based contiguous: label = id
    assert dataset.metainfo['num_classes'] == 5


def test_val_is_carved_from_train_by_identity(root):
    train = ICFGPEDES(data_root=root, val_ids=2, val_seed=1)
    val = ICFGPEDES(data_root=root, split='val', val_ids=2, val_seed=1)
    val_pids = carve_val_identities(TRAIN_IDS, 2, 1)
    assert len(val_pids) == 2
    assert train.metainfo['val_pids'] == val.metainfo['val_pids'] == val_pids
    gallery = _items(val)[:val.metainfo['num_gallery']]
    assert {g['pid'] for g in gallery} == set(val_pids)
    expected = [r for r in RECORDS if r['id'] in val_pids]
    assert [g['img_path'] for g in gallery] == [
        os.path.join(root, 'imgs', r['file_path']) for r in expected]
    assert val.metainfo['num_queries'] == len(expected)
    # Train keeps the other identities, relabelled 0..C-1.
    kept = [r for r in RECORDS
            if r['split'] == 'train' and r['id'] not in val_pids]
    assert [i['caption'] for i in _items(train)] == [
        r['captions'][0] for r in kept]
    assert train.metainfo['num_classes'] == 3
    assert sorted({i['pid'] for i in _items(train)}) == [0, 1, 2]


def test_carve_is_deterministic_and_ignores_order():
    first = carve_val_identities([4, 2, 0, 1, 3, 3], 2, 7)
    assert first == carve_val_identities([0, 1, 2, 3, 4], 2, 7)
    assert first == sorted(first) and set(first) <= set(TRAIN_IDS)
    seeds = {tuple(carve_val_identities(range(100), 10, s)) for s in range(5)}
    assert len(seeds) > 1


def test_fraction_is_of_train_identities(root):
    assert len(carve_val_identities(range(3102), 0.1, 0)) == 310
    assert len(carve_val_identities(range(3), 0.1, 0)) == 1
    dataset = ICFGPEDES(data_root=root, split='val')  # default 0.1 of 5 -> 1
    assert len(dataset.metainfo['val_pids']) == 1


def test_test_split_untouched(root):
    dataset = ICFGPEDES(data_root=root, split='test', val_ids=3)
    gallery = _items(dataset)[:dataset.metainfo['num_gallery']]
    assert [(g['pid'], g['index']) for g in gallery] == [(6, 0), (5, 1)]


@pytest.mark.parametrize('val_ids', [5, 6, -1, 1.5, 0.0])
def test_bad_carve_size(root, val_ids):
    with pytest.raises(ValueError, match='val') as error:
        ICFGPEDES(data_root=root, val_ids=val_ids)
    assert str(val_ids) in str(error.value)


def test_no_carve_leaves_val_empty(root):
    with pytest.raises(AnnotationError, match="no records in split 'val'"):
        ICFGPEDES(data_root=root, split='val', val_ids=0)


def test_file_with_val_split_is_rejected(tmp_path):
    records = copy.deepcopy(RECORDS)
    records[1]['split'] = 'val'
    path = tmp_path / 'ICFG-PEDES.json'
    path.write_text(json.dumps(records))
    with pytest.raises(AnnotationError) as error:
        ICFGPEDES(data_root=str(tmp_path))
    assert f'{path}, record 1:' in str(error.value)
    assert "unknown split 'val'" in str(error.value)
    assert "['train', 'test']" in str(error.value)


def test_negative_id_is_rejected(tmp_path):
    records = copy.deepcopy(RECORDS)
    records[2]['id'] = -1
    (tmp_path / 'ICFG-PEDES.json').write_text(json.dumps(records))
    with pytest.raises(AnnotationError, match='record 2: id must be >= 0'):
        ICFGPEDES(data_root=str(tmp_path))


def test_built_from_config(root):
    dataset = DATASETS.build(
        dict(type='ICFGPEDES', data_root=root, split='val', val_ids=1))
    assert isinstance(dataset, ICFGPEDES)
    assert dataset.ann_file == os.path.join(root, 'ICFG-PEDES.json')
