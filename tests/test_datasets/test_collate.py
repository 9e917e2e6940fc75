"""collate_person_search: aligned train pairs, mixed eval batches."""
import torch
from torch.utils.data import DataLoader

from amnsfw.datasets import collate_person_search
from amnsfw.registry import FUNCTIONS

LENGTH = 5


def _image(pid, index, fill):
    return dict(img=torch.full((3, 4, 2), fill, dtype=torch.uint8), pid=pid,
                index=index, img_path=f'{index}.jpg')


def _text(pid, index, first):
    ids = torch.arange(first, first + LENGTH)
    return dict(text_ids=ids, text_mask=torch.ones(LENGTH, dtype=torch.long),
                pid=pid, index=index, caption=f'caption {index}')


def _pair(pid, index, fill):
    return {**_image(pid, index, fill), **_text(pid, index, fill * 10),
            'image_index': index // 2}


def test_train_batch_is_aligned_row_by_row():
    items = [_pair(3, 7, 1), _pair(0, 2, 2), _pair(3, 8, 3)]
    batch = collate_person_search(items)
    inputs, samples = batch['inputs'], batch['data_samples']
    assert set(inputs) == {'images', 'text_ids', 'text_mask'}
    assert set(samples) == {'image_pids', 'image_index', 'image_rows',
                            'text_pids', 'text_index', 'text_rows'}
    assert inputs['images'].shape == (3, 3, 4, 2)
    assert inputs['images'].dtype == torch.uint8
    assert inputs['images'][:, 0, 0, 0].tolist() == [1, 2, 3]
    assert inputs['text_ids'][:, 0].tolist() == [10, 20, 30]
    assert inputs['text_ids'].shape == inputs['text_mask'].shape == (3,
                                                                     LENGTH)
    assert samples['image_pids'].tolist() == [3, 0, 3]
    assert samples['text_pids'].tolist() == [3, 0, 3]
    # Both sides carry the pair's index, row by row.
    assert samples['image_index'].tolist() == [7, 2, 8]
    assert samples['text_index'].tolist() == [7, 2, 8]
    assert all(v.dtype == torch.int64 for v in samples.values())


def test_mixed_eval_batch_splits_by_side():
    items = [_image(5, 4, 1), _image(9, 5, 2), _text(9, 0, 100),
             _text(5, 1, 200), _text(9, 2, 300)]
    batch = collate_person_search(items)
    inputs, samples = batch['inputs'], batch['data_samples']
    assert inputs['images'][:, 0, 0, 0].tolist() == [1, 2]
    assert samples['image_pids'].tolist() == [5, 9]
    assert samples['image_index'].tolist() == [4, 5]
    assert inputs['text_ids'][:, 0].tolist() == [100, 200, 300]
    assert samples['text_pids'].tolist() == [9, 5, 9]
    assert samples['text_index'].tolist() == [0, 1, 2]
    # Each side's positions among the items, to restore the batch order.
    assert samples['image_rows'].tolist() == [0, 1]
    assert samples['text_rows'].tolist() == [2, 3, 4]


def test_image_only_batch_has_no_text_keys():
    batch = collate_person_search([_image(1, 0, 1), _image(2, 1, 2)])
    assert set(batch['inputs']) == {'images'}
    assert set(batch['data_samples']) == {'image_pids', 'image_index',
                                          'image_rows'}


def test_text_only_batch_has_no_image_keys():
    batch = collate_person_search([_text(1, 3, 0)])
    assert set(batch['inputs']) == {'text_ids', 'text_mask'}
    assert set(batch['data_samples']) == {'text_pids', 'text_index',
                                          'text_rows'}
    assert batch['data_samples']['text_index'].tolist() == [3]


def test_registered_under_scoped_name():
    assert FUNCTIONS.get('amnsfw.collate_person_search') is \
        collate_person_search


def test_train_batch_from_the_dataset(build_synthpedes):
    dataset = build_synthpedes('train')
    batch = collate_person_search([dataset[i] for i in (5, 0, 9)])
    inputs, samples = batch['inputs'], batch['data_samples']
    assert inputs['images'].shape[0] == inputs['text_ids'].shape[0] == 3
    pids = [dataset.get_data_info(i)['pid'] for i in (5, 0, 9)]
    assert samples['image_pids'].tolist() == samples['text_pids'].tolist() \
        == pids
    assert samples['image_index'].tolist() == [5, 0, 9]
    assert samples['text_index'].tolist() == [5, 0, 9]
    assert torch.equal(inputs['text_ids'][1], dataset[0]['text_ids'])


def test_val_loader_covers_every_gallery_image_and_query_once(
        build_synthpedes):
    dataset = build_synthpedes('val')
    num_gallery = dataset.metainfo['num_gallery']
    num_queries = dataset.metainfo['num_queries']
    batch_size = -(-len(dataset) // 2)  # two batches, the first one mixed
    loader = DataLoader(dataset, batch_size=batch_size, shuffle=False,
                        num_workers=0, collate_fn=collate_person_search)
    batches = list(loader)
    assert len(batches) == 2
    assert 'images' in batches[0]['inputs']
    assert 'text_ids' in batches[0]['inputs']
    image_index, text_index, image_pids, text_pids = [], [], [], []
    for batch in batches:
        samples = batch['data_samples']
        if 'image_index' in samples:
            assert batch['inputs']['images'].shape[0] == len(
                samples['image_index'])
            image_index += samples['image_index'].tolist()
            image_pids += samples['image_pids'].tolist()
        if 'text_index' in samples:
            assert batch['inputs']['text_ids'].shape[0] == len(
                samples['text_index'])
            text_index += samples['text_index'].tolist()
            text_pids += samples['text_pids'].tolist()
    assert sorted(image_index) == list(range(num_gallery))
    assert sorted(text_index) == list(range(num_queries))
    assert set(text_pids) <= set(image_pids)
