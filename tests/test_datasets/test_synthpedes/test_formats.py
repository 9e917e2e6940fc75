"""Each native format written by the generator, read back by its reader."""
import json
import os

import pytest

from amnsfw.datasets import CUHKPEDES, ICFGPEDES, RSTPReid
from amnsfw.datasets.synthpedes import generate_synthpedes

SIZES = dict(num_train_ids=6, num_val_ids=3, num_test_ids=3, images_per_id=2)
# format: (reader, folder, file, image field, first id, splits, captions)
FORMATS = {
    'cuhk-pedes': (CUHKPEDES, 'SynthPEDES', 'reid_raw.json', 'file_path', 1,
                   ('train', 'val', 'test'), 2),
    'icfg-pedes': (ICFGPEDES, 'SynthPEDES-ICFG', 'ICFG-PEDES.json',
                   'file_path', 0, ('train', 'test'), 1),
    'rstpreid': (RSTPReid, 'SynthPEDES-RSTP', 'data_captions.json',
                 'img_path', 0, ('train', 'val', 'test'), 2),
}


@pytest.fixture(scope='module')
def data_root(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('data'))
    for name in FORMATS:
        generate_synthpedes(root, seed=0, format=name, **SIZES)
    return root


def _load(data_root, name):
    _, folder, ann_file = FORMATS[name][:3]
    with open(os.path.join(data_root, folder, ann_file),
              encoding='utf-8') as file:
        return json.load(file)


def _items(dataset):
    return [dataset.get_data_info(i) for i in range(len(dataset))]


@pytest.mark.parametrize('name', list(FORMATS))
def test_fields_ids_and_splits(data_root, name):
    _, folder, _, field, first, splits, captions = FORMATS[name]
    records = _load(data_root, name)
    fields = {'split', 'id', field, 'captions'}
    if name != 'rstpreid':
        fields.add('processed_tokens')
    assert all(set(r) == fields for r in records)
    assert all(len(r['captions']) == captions for r in records)
    assert sorted({r['id'] for r in records}) == list(range(first, first + 12))
    assert tuple(dict.fromkeys(r['split'] for r in records)) == splits
    for record in records:
        assert os.path.isfile(
            os.path.join(data_root, folder, 'imgs', record[field]))


def test_same_people_in_every_format(data_root):
    cuhk, icfg, rstp = (_load(data_root, n) for n in FORMATS)
    assert [r['captions'] for r in cuhk] == [r['captions'] for r in rstp]
    assert [r['captions'][:1] for r in cuhk] == [r['captions'] for r in icfg]
    assert [r['id'] - 1 for r in cuhk] == [r['id'] for r in icfg]
    # ICFG-PEDES has no val: the val identities are train identities.
    assert [r['split'] for r in icfg] == ['train'] * 18 + ['test'] * 6


@pytest.mark.parametrize('name', list(FORMATS))
def test_read_back_train(data_root, name):
    reader, folder, _, field, _, _, captions = FORMATS[name]
    kwargs = dict(val_ids=0) if name == 'icfg-pedes' else {}
    dataset = reader(data_root=os.path.join(data_root, folder), **kwargs)
    train = [r for r in _load(data_root, name) if r['split'] == 'train']
    raw_ids = sorted({r['id'] for r in train})
    items = _items(dataset)
    assert len(items) == len(train) * captions
    assert dataset.metainfo['num_classes'] == len(raw_ids)
    assert sorted({i['pid'] for i in items}) == list(range(len(raw_ids)))
    assert [(i['img_path'], i['caption'], i['pid']) for i in items] == [
        (os.path.join(dataset.data_root, 'imgs', r[field]), c,
         raw_ids.index(r['id'])) for r in train for c in r['captions']
    ]


@pytest.mark.parametrize('name,split', [('cuhk-pedes', 'val'),
                                        ('cuhk-pedes', 'test'),
                                        ('icfg-pedes', 'test'),
                                        ('rstpreid', 'val'),
                                        ('rstpreid', 'test')])
def test_read_back_gallery_and_queries(data_root, name, split):
    reader, folder, _, field, _, _, captions = FORMATS[name]
    dataset = reader(data_root=os.path.join(data_root, folder), split=split)
    records = [r for r in _load(data_root, name) if r['split'] == split]
    items = _items(dataset)
    num_gallery = dataset.metainfo['num_gallery']
    assert num_gallery == len(records) == 6
    assert dataset.metainfo['num_queries'] == 6 * captions
    assert [(g['img_path'], g['pid']) for g in items[:num_gallery]] == [
        (os.path.join(dataset.data_root, 'imgs', r[field]), r['id'])
        for r in records
    ]
    assert [(q['caption'], q['pid']) for q in items[num_gallery:]] == [
        (c, r['id']) for r in records for c in r['captions']
    ]


def test_icfg_carved_val_is_disjoint_and_deterministic(data_root):
    folder = os.path.join(data_root, 'SynthPEDES-ICFG')

    def pids(split, **kwargs):
        dataset = ICFGPEDES(data_root=folder, split=split, val_ids=3, **kwargs)
        items = _items(dataset)
        if split == 'train':
            # Raw ids are not in train items; map labels back via val_pids.
            return dataset.metainfo['val_pids'], items
        return {i['pid'] for i in items}, items

    val_pids, val_items = pids('val')
    assert len(val_pids) == 3 and set(val_pids) <= set(range(9))
    assert pids('val')[0] == val_pids  # same seed and size, same carve
    carved, train_items = pids('train')
    assert set(carved) == val_pids
    train_images = {i['img_path'] for i in train_items}
    val_images = {i['img_path'] for i in val_items if 'img_path' in i}
    assert len(train_images) == 12 and len(val_images) == 6
    assert not train_images & val_images
    train_ids = {int(os.path.basename(p)[:5]) for p in train_images}
    assert train_ids == set(range(9)) - val_pids
    assert len(train_items) == 12
    assert sorted({i['pid'] for i in train_items}) == list(range(6))


def test_unknown_format(tmp_path):
    with pytest.raises(ValueError, match="format must be one of .*'cuhk-pe"):
        generate_synthpedes(str(tmp_path), format='market1501', **SIZES)
