"""CUHKPEDES reader: pairs for train, gallery + queries for eval, bad files."""
import copy
import json
import os

import numpy as np
import pytest
import torch
from mmcv import imresize
from PIL import Image

from amnsfw.datasets import AnnotationError, CUHKPEDES
from amnsfw.registry import DATASETS

MAX_LENGTH = 16  # as in conftest.tokenizer_cfg


def _tokens(caption):
    return [w.strip('.,').lower() for w in caption.split()]


def _record(split, pid, file_path, captions):
    """A record in the real CUHK-PEDES shape."""
    return dict(split=split, id=pid, file_path=file_path, captions=captions,
                processed_tokens=[_tokens(c) for c in captions])


# Raw ids out of file order (7, 3, 7) and a record with three captions, so
# order and remapping are visible.
RECORDS = [
    _record('train', 7, 'train/p7_a.jpg',
            ['A man in a red coat.', 'The man wears red.']),
    _record('test', 2, 'test/p2_a.jpg',
            ['A woman with a black bag.', 'She carries a bag.']),
    _record('train', 3, 'train/p3_a.jpg', ['A child in blue shorts.']),
    _record('test', 5, 'test/p5_a.jpg', ['A man on a bike.']),
    _record('train', 7, 'train/p7_b.jpg',
            ['Red coat, black shoes.', 'A man walking.', 'He is tall.']),
    _record('test', 2, 'test/p2_b.jpg', ['A woman in a long dress.']),
]


def _write(folder, content, name='reid_raw.json'):
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(content if isinstance(content, str) else
                    json.dumps(content), encoding='utf-8')
    return str(path)


def _items(dataset):
    return [dataset.get_data_info(i) for i in range(len(dataset))]


@pytest.fixture
def tiny_root(tmp_path):
    _write(tmp_path, RECORDS)
    return str(tmp_path)


# ---------------------------------------------------------------- hand-written


def test_train_pairs_of_hand_written_file(tiny_root):
    dataset = CUHKPEDES(data_root=tiny_root, split='train')
    imgs = os.path.join(tiny_root, 'imgs')
    expected = [
        # (file, caption, label, image_index)
        ('train/p7_a.jpg', 'A man in a red coat.', 1, 0),
        ('train/p7_a.jpg', 'The man wears red.', 1, 0),
        ('train/p3_a.jpg', 'A child in blue shorts.', 0, 1),
        ('train/p7_b.jpg', 'Red coat, black shoes.', 1, 2),
        ('train/p7_b.jpg', 'A man walking.', 1, 2),
        ('train/p7_b.jpg', 'He is tall.', 1, 2),
    ]
    got = [(item['img_path'], item['caption'], item['pid'],
            item['image_index'], item['index']) for item in _items(dataset)]
    assert got == [(os.path.join(imgs, f), c, label, image, i)
                   for i, (f, c, label, image) in enumerate(expected)]
    assert dataset.metainfo['num_classes'] == 2


def test_eval_gallery_then_queries_of_hand_written_file(tiny_root):
    dataset = CUHKPEDES(data_root=tiny_root, split='test')
    imgs = os.path.join(tiny_root, 'imgs')
    items = _items(dataset)
    gallery = [{k: v for k, v in item.items() if k != 'sample_idx'}
               for item in items[:3]]
    queries = [{k: v for k, v in item.items() if k != 'sample_idx'}
               for item in items[3:]]
    assert gallery == [
        dict(img_path=os.path.join(imgs, 'test/p2_a.jpg'), pid=2, index=0),
        dict(img_path=os.path.join(imgs, 'test/p5_a.jpg'), pid=5, index=1),
        dict(img_path=os.path.join(imgs, 'test/p2_b.jpg'), pid=2, index=2),
    ]
    assert queries == [
        dict(caption='A woman with a black bag.', pid=2, index=0),
        dict(caption='She carries a bag.', pid=2, index=1),
        dict(caption='A man on a bike.', pid=5, index=2),
        dict(caption='A woman in a long dress.', pid=2, index=3),
    ]
    assert dataset.metainfo['num_gallery'] == 3
    assert dataset.metainfo['num_queries'] == 4


def test_one_based_contiguous_ids_become_id_minus_one(tmp_path):
    records = [_record('train', pid, f'{pid}.jpg', [f'Person {pid}.'])
               for pid in (2, 1, 3, 1)]
    _write(tmp_path, records)
    dataset = CUHKPEDES(data_root=str(tmp_path))
    assert [item['pid'] for item in _items(dataset)] == [1, 0, 2, 0]
    assert dataset.metainfo['num_classes'] == 3


def test_built_from_config_dict_with_custom_names(tmp_path):
    _write(tmp_path / 'ann', RECORDS, name='custom.json')
    dataset = DATASETS.build(
        dict(type='CUHKPEDES', data_root=str(tmp_path),
             ann_file='ann/custom.json', split='test',
             data_prefix=dict(img_path='pics')))
    assert isinstance(dataset, CUHKPEDES)
    assert dataset.get_data_info(0)['img_path'] == os.path.join(
        str(tmp_path), 'pics', 'test/p2_a.jpg')


# ------------------------------------------------------------------ bad input


def test_missing_file_names_its_path(tmp_path):
    with pytest.raises(FileNotFoundError) as error:
        CUHKPEDES(data_root=str(tmp_path), ann_file='nope.json')
    assert str(tmp_path / 'nope.json') in str(error.value)


def test_invalid_json_names_the_file(tmp_path):
    path = _write(tmp_path, '[{"split": "train", "id": 1,')
    with pytest.raises(AnnotationError, match='not valid JSON') as error:
        CUHKPEDES(data_root=str(tmp_path))
    assert path in str(error.value)


def test_top_level_must_be_a_list(tmp_path):
    path = _write(tmp_path, dict(annotations=RECORDS))
    with pytest.raises(AnnotationError, match='expected a JSON list') as error:
        CUHKPEDES(data_root=str(tmp_path))
    assert path in str(error.value) and 'dict' in str(error.value)


def _without(key):
    record = copy.deepcopy(RECORDS[1])
    del record[key]
    return record


def _with(**fields):
    record = copy.deepcopy(RECORDS[1])
    record.update(fields)
    return record


BAD_RECORDS = {
    'not an object': (['test', 2, 'x.jpg', ['a']], ['expected an object',
                                                    'list']),
    'no captions': (_without('captions'), ["missing field 'captions'"]),
    'no file_path': (_without('file_path'), ["missing field 'file_path'"]),
    'no id': (_without('id'), ["missing field 'id'"]),
    'no split': (_without('split'), ["missing field 'split'"]),
    'unknown split': (_with(split='query'), ["unknown split 'query'"]),
    'string id': (_with(id='2'), ['id must be an integer', "'2'"]),
    'float id': (_with(id=2.0), ['id must be an integer', '2.0']),
    'bool id': (_with(id=True), ['id must be an integer', 'True']),
    'empty captions': (_with(captions=[]), ['captions', '[]']),
    'captions a string': (_with(captions='A man.'), ['captions',
                                                     "'A man.'"]),
    'blank caption': (_with(captions=['A man.', '  ']), ['captions']),
}


@pytest.mark.parametrize('case', list(BAD_RECORDS))
def test_bad_record_names_file_record_and_field(tmp_path, case):
    bad, fragments = BAD_RECORDS[case]
    path = _write(tmp_path, [RECORDS[0], bad, RECORDS[2]])
    with pytest.raises(AnnotationError) as error:
        CUHKPEDES(data_root=str(tmp_path), split='train')
    message = str(error.value)
    assert f'{path}, record 1:' in message
    for fragment in fragments:
        assert fragment in message


def test_split_without_records(tiny_root):
    with pytest.raises(AnnotationError, match="no records in split 'val'"):
        CUHKPEDES(data_root=tiny_root, split='val')


def test_invalid_split_argument(tiny_root):
    with pytest.raises(ValueError, match="split='query'") as error:
        CUHKPEDES(data_root=tiny_root, split='query')
    assert not isinstance(error.value, AnnotationError)


# ------------------------------------------------------------------ synthpedes


def test_train_counts_and_order_on_generated_set(build_synthpedes,
                                                 synthpedes_records):
    dataset = build_synthpedes('train', with_pipelines=False)
    train = [r for r in synthpedes_records if r['split'] == 'train']
    raw_ids = sorted({r['id'] for r in train})
    expected = [(r['file_path'], c, raw_ids.index(r['id'])) for r in train
                for c in r['captions']]
    items = _items(dataset)
    prefix = os.path.join(dataset.data_root, 'imgs') + os.sep
    assert [(item['img_path'][len(prefix):], item['caption'], item['pid'])
            for item in items] == expected
    assert len(items) == sum(len(r['captions']) for r in train) == 24
    assert [item['index'] for item in items] == list(range(len(items)))
    assert dataset.metainfo['num_classes'] == len(raw_ids) == 6
    # Generated ids are 1-based and contiguous, so the label is id - 1.
    assert raw_ids == list(range(1, 7))
    assert [item['pid'] for item in items] == [
        r['id'] - 1 for r in train for _ in r['captions']]


@pytest.mark.parametrize('split', ['val', 'test'])
def test_eval_counts_and_order_on_generated_set(build_synthpedes,
                                                synthpedes_records, split):
    dataset = build_synthpedes(split, with_pipelines=False)
    records = [r for r in synthpedes_records if r['split'] == split]
    captions = [(r['id'], c) for r in records for c in r['captions']]
    num_gallery, num_queries = len(records), len(captions)
    assert (num_gallery, num_queries) == (6, 12)
    assert dataset.metainfo['num_gallery'] == num_gallery
    assert dataset.metainfo['num_queries'] == num_queries
    items = _items(dataset)
    assert len(items) == num_gallery + num_queries
    gallery, queries = items[:num_gallery], items[num_gallery:]
    assert all('caption' not in g and 'img_path' in g for g in gallery)
    assert all('img_path' not in q and 'caption' in q for q in queries)
    assert [(g['img_path'], g['pid'], g['index']) for g in gallery] == [
        (os.path.join(dataset.data_root, 'imgs', r['file_path']), r['id'], i)
        for i, r in enumerate(records)
    ]
    assert [(q['pid'], q['caption'], q['index']) for q in queries] == [
        (pid, caption, i) for i, (pid, caption) in enumerate(captions)
    ]
    gallery_pids = {g['pid'] for g in gallery}
    assert all(q['pid'] in gallery_pids for q in queries)


def _pil_rgb_chw(path, size_hw):
    """The file loaded by PIL as RGB, resized like mmcv's Resize."""
    with Image.open(path) as image:
        rgb = np.asarray(image.convert('RGB'))
    resized = imresize(rgb, (size_hw[1], size_hw[0]))
    return torch.from_numpy(resized.transpose(2, 0, 1).astype(np.int16))


def _close(a, b):
    return (a.to(torch.int16) - b).abs().float().mean().item() < 2.0


def test_train_item_through_config_pipelines(build_synthpedes, pipelines):
    dataset = build_synthpedes('train')
    height, width = pipelines['image_size']
    item = dataset[3]
    raw = dataset.get_data_info(3)
    assert item['img'].dtype == torch.uint8
    assert item['img'].shape == (3, height, width)
    # RandomFlip may have flipped it; either way the channels are RGB.
    rgb = _pil_rgb_chw(raw['img_path'], (height, width))
    assert _close(item['img'], rgb) or _close(item['img'], rgb.flip(-1))
    for key in ('text_ids', 'text_mask'):
        assert item[key].dtype == torch.int64
        assert item[key].shape == (MAX_LENGTH, )
    length = int(item['text_mask'].sum())
    assert 2 < length <= MAX_LENGTH
    assert item['text_mask'].tolist() == [1] * length + [0] * (
        MAX_LENGTH - length)
    assert (item['pid'], item['caption']) == (raw['pid'], raw['caption'])
    # Another caption of the same image gives other ids, the same image size.
    other = dataset[2]
    assert other['img_path'] == item['img_path']
    assert not torch.equal(other['text_ids'], item['text_ids'])


def test_eval_items_through_config_pipelines(build_synthpedes, pipelines):
    dataset = build_synthpedes('val')
    height, width = pipelines['image_size']
    num_gallery = dataset.metainfo['num_gallery']
    gallery, query = dataset[1], dataset[num_gallery + 1]
    assert gallery['img'].dtype == torch.uint8
    assert gallery['img'].shape == (3, height, width)
    assert 'text_ids' not in gallery and 'text_mask' not in gallery
    rgb = _pil_rgb_chw(gallery['img_path'], (height, width))
    assert _close(gallery['img'], rgb)
    # The channel order matters for this image: BGR would be far off.
    assert not _close(gallery['img'], rgb.flip(0))
    assert 'img' not in query
    assert query['text_ids'].shape == query['text_mask'].shape == (
        MAX_LENGTH, )
    assert (gallery['index'], query['index']) == (1, 1)
