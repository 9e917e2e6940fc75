"""amnsfw.apis.retrieve on a tiny SynthPEDES and a random checkpoint."""
import json
import re
from pathlib import Path
from typing import Iterator

import pytest
import torch
from mmengine.config import Config
from PIL import Image

from amnsfw.apis import StaleIndexError
from amnsfw.apis.retrieve import describe_retrieval, read_queries, retrieve
from amnsfw.registry import DATASETS
from amnsfw.visualization.ranking_grid import TILE_SIZE
from .test_text_image_search import CONFIG, make_workspace


@pytest.fixture(scope='module')
def checkpoint(tmp_path_factory) -> Iterator[Path]:
    """The checkpoint, with the working directory in its workspace."""
    root = tmp_path_factory.mktemp('retrieve')
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(root)
        yield make_workspace(root)


def test_split_queries_by_index_flag_the_relevant_images(checkpoint):
    workspace = checkpoint.parent
    out = workspace / 'split_out'
    retrieval = retrieve(str(CONFIG), str(checkpoint), split='test',
                         query_index=[0, 5], topk=4, out_dir=str(out))
    printed = describe_retrieval(retrieval)

    dataset = DATASETS.build(dict(
        Config.fromfile(CONFIG).test_dataloader.dataset, split='test'))
    num_gallery = dataset.metainfo['num_gallery']
    gallery_pids = {dataset.get_data_info(i)['img_path']:
                    dataset.get_data_info(i)['pid']
                    for i in range(num_gallery)}
    results = json.loads((out / 'results.json').read_text())
    assert results['gallery_size'] == num_gallery == 6
    for number, (query, index) in enumerate(zip(results['queries'],
                                                [0, 5])):
        caption = dataset.get_data_info(num_gallery + index)
        assert query['text'] == caption['caption']
        assert query['pid'] == caption['pid']
        hits = query['hits']
        assert [hit['rank'] for hit in hits] == [1, 2, 3, 4]
        scores = [hit['score'] for hit in hits]
        assert scores == sorted(scores, reverse=True)
        for hit in hits:
            assert hit['pid'] == gallery_pids[hit['path']]
            assert hit['relevant'] == (hit['pid'] == caption['pid'])
        with Image.open(out / query['image']) as grid:
            assert query['image'] == f'query_{number}.png'
            assert grid.width >= 4 * TILE_SIZE[0]
        assert f"query {number}: {caption['caption']!r}" in printed
    assert printed.endswith(f'results written to {out}')


def test_gallery_folder_with_query_file(checkpoint, tmp_path):
    gallery = checkpoint.parent / 'data' / 'SynthPEDES' / 'imgs' / 'val'
    queries = tmp_path / 'queries.txt'
    queries.write_text('a man in a black coat\n\n  a woman in red  \n')
    summary = retrieve(str(CONFIG), str(checkpoint), gallery_dir=str(gallery),
                       query_file=str(queries), topk=4,
                       out_dir=str(tmp_path / 'out')).summary
    images = sorted(str(path) for path in gallery.iterdir())
    assert summary['gallery_size'] == len(images) == 4
    assert [q['text'] for q in summary['queries']] == [
        'a man in a black coat', 'a woman in red']
    for query in summary['queries']:
        assert sorted(hit['path'] for hit in query['hits']) == images
        assert all(hit['pid'] is None and hit['relevant'] is None
                   for hit in query['hits'])
        assert (tmp_path / 'out' / query['image']).is_file()
    written = json.loads((tmp_path / 'out' / 'results.json').read_text())
    assert written['queries'] == summary['queries']


def test_missing_checkpoint_is_a_clear_error(checkpoint, tmp_path):
    gallery = checkpoint.parent / 'data' / 'SynthPEDES' / 'imgs' / 'val'
    with pytest.raises(FileNotFoundError,
                       match='checkpoint file not found: .*absent.pth'):
        retrieve(str(CONFIG), str(tmp_path / 'absent.pth'),
                 gallery_dir=str(gallery), queries=['a man'],
                 out_dir=str(tmp_path))


def test_unreadable_image_is_a_clear_error(checkpoint, tmp_path):
    Image.new('RGB', (32, 96), 'blue').save(tmp_path / 'fine.png')
    (tmp_path / 'broken.jpg').write_bytes(b'')
    with pytest.raises(OSError, match='broken.jpg.*empty'):
        retrieve(str(CONFIG), str(checkpoint), gallery_dir=str(tmp_path),
                 queries=['a man'], out_dir=str(tmp_path / 'out'))


def test_empty_gallery_folder_is_a_clear_error(checkpoint, tmp_path):
    (tmp_path / 'notes.txt').write_text('no images here')
    with pytest.raises(FileNotFoundError, match=re.escape(
            f'gallery folder {tmp_path} holds no image')):
        retrieve(str(CONFIG), str(checkpoint), gallery_dir=str(tmp_path),
                 queries=['a man'])


def test_query_index_must_name_a_caption_of_the_split(checkpoint,
                                                     tmp_path):
    with pytest.raises(ValueError, match=r'--query-index must be in '
                       r'\[0, 12\).*\[12\]'):
        retrieve(str(CONFIG), str(checkpoint), split='test',
                 query_index=[12], out_dir=str(tmp_path))


def test_query_file_needs_a_query(tmp_path):
    with pytest.raises(FileNotFoundError, match='query file not found'):
        read_queries(str(tmp_path / 'absent.txt'))
    (tmp_path / 'blank.txt').write_text('\n  \n')
    with pytest.raises(FileNotFoundError, match='has no query'):
        read_queries(str(tmp_path / 'blank.txt'))


def test_kept_index_grows_and_refuses_another_model(checkpoint, tmp_path):
    source = checkpoint.parent / 'data' / 'SynthPEDES' / 'imgs' / 'val'
    gallery = tmp_path / 'gallery'
    gallery.mkdir()
    images = sorted(source.iterdir())
    for image in images[:3]:
        (gallery / image.name).write_bytes(image.read_bytes())
    index = str(tmp_path / 'index')

    def run(topk: int, kept: bool = True, weights: Path = checkpoint):
        return retrieve(str(CONFIG), str(weights), gallery_dir=str(gallery),
                        queries=['a man in a black coat'], topk=topk,
                        index_dir=index if kept else None,
                        out_dir=str(tmp_path / 'out'))

    first = run(3)
    assert first.index_note == f'index {index}: 3 images, 3 added'
    (gallery / images[3].name).write_bytes(images[3].read_bytes())
    second = run(4)
    assert second.index_note == f'index {index}: 4 images, 1 added'
    fresh = run(4, kept=False)
    assert fresh.index_note is None
    assert [hit['path'] for hit in second.summary['queries'][0]['hits']] == [
        hit['path'] for hit in fresh.summary['queries'][0]['hits']]
    assert first.summary['gallery_size'] == 3
    assert second.summary['gallery_size'] == 4

    with pytest.raises(ValueError, match=r'k=5 is larger than the gallery '
                       r'\(4 images\)'):
        run(5)

    other = tmp_path / 'other.pth'
    state = torch.load(checkpoint)
    first_key = next(iter(state['state_dict']))
    state['state_dict'][first_key] = state['state_dict'][first_key] + 1
    torch.save(state, other)
    with pytest.raises(StaleIndexError, match='index in .* is stale'):
        run(4, weights=other)
