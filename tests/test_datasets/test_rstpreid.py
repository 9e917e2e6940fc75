"""RSTPReid reader: ``img_path`` field, 0-based ids, train/val/test."""
import copy
import json
import os

import pytest

from amnsfw.datasets import AnnotationError, CUHKPEDES, RSTPReid
from amnsfw.registry import DATASETS


def _record(split, pid, img_path, captions):
    """A record in the real RSTPReid shape and field order."""
    return dict(id=pid, img_path=img_path, captions=captions, split=split)


RECORDS = [
    _record('train', 1, '0001_c1_a.jpg', ['A man in red.', 'He wears red.']),
    _record('val', 5, '0005_c2_a.jpg', ['A cyclist.', 'On a bike.']),
    _record('train', 0, '0000_c3_a.jpg', ['A woman in blue.', 'Blue dress.']),
    _record('test', 7, '0007_c1_a.jpg', ['A child.', 'A kid with a kite.']),
    _record('train', 1, '0001_c4_b.jpg', ['Red coat.', 'A tall man.']),
    _record('test', 6, '0006_c2_a.jpg', ['A woman.', 'She has a bag.']),
]


@pytest.fixture
def root(tmp_path):
    (tmp_path / 'data_captions.json').write_text(json.dumps(RECORDS))
    return str(tmp_path)


def _items(dataset):
    return [dataset.get_data_info(i) for i in range(len(dataset))]


def test_train_pairs(root):
    dataset = RSTPReid(data_root=root)
    imgs = os.path.join(root, 'imgs')
    assert [(i['img_path'], i['caption'], i['pid'], i['image_index'])
            for i in _items(dataset)] == [
                (os.path.join(imgs, '0001_c1_a.jpg'), 'A man in red.', 1, 0),
                (os.path.join(imgs, '0001_c1_a.jpg'), 'He wears red.', 1, 0),
                (os.path.join(imgs, '0000_c3_a.jpg'), 'A woman in blue.', 0,
                 1),
                (os.path.join(imgs, '0000_c3_a.jpg'), 'Blue dress.', 0, 1),
                (os.path.join(imgs, '0001_c4_b.jpg'), 'Red coat.', 1, 2),
                (os.path.join(imgs, '0001_c4_b.jpg'), 'A tall man.', 1, 2),
            ]
    assert dataset.metainfo['num_classes'] == 2


@pytest.mark.parametrize('split,pids', [('val', [5]), ('test', [7, 6])])
def test_eval_gallery_and_queries(root, split, pids):
    dataset = RSTPReid(data_root=root, split=split)
    items = _items(dataset)
    num_gallery = dataset.metainfo['num_gallery']
    assert [g['pid'] for g in items[:num_gallery]] == pids
    queries = items[num_gallery:]
    assert [q['pid'] for q in queries] == [p for p in pids for _ in (0, 1)]
    assert [q['index'] for q in queries] == list(range(2 * len(pids)))


def test_missing_img_path_names_file_record_and_field(tmp_path):
    records = copy.deepcopy(RECORDS)
    records[2]['file_path'] = records[2].pop('img_path')  # CUHK-PEDES name
    path = tmp_path / 'data_captions.json'
    path.write_text(json.dumps(records))
    with pytest.raises(AnnotationError) as error:
        RSTPReid(data_root=str(tmp_path))
    assert f"{path}, record 2: missing field 'img_path'" in str(error.value)


def test_empty_img_path(tmp_path):
    records = copy.deepcopy(RECORDS)
    records[0]['img_path'] = ''
    (tmp_path / 'data_captions.json').write_text(json.dumps(records))
    with pytest.raises(AnnotationError,
                       match="record 0: img_path must be a non-empty"):
        RSTPReid(data_root=str(tmp_path))


def test_cuhk_reader_rejects_rstpreid_file(root):
    with pytest.raises(AnnotationError, match="missing field 'file_path'"):
        CUHKPEDES(data_root=root, ann_file='data_captions.json')


def test_built_from_config(root):
    dataset = DATASETS.build(dict(type='RSTPReid', data_root=root,
                                  split='test'))
    assert isinstance(dataset, RSTPReid)
    assert dataset.ann_file == os.path.join(root, 'data_captions.json')
