"""tools/retrieve.py on a tiny SynthPEDES and a random checkpoint."""
import importlib.util
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Iterator

import pytest
import torch
from mmengine.config import Config
from PIL import Image

from amnsfw.registry import DATASETS
from ..test_apis.test_text_image_search import CONFIG, make_workspace

REPO = Path(__file__).resolve().parents[2]
TOOL = REPO / 'tools' / 'retrieve.py'
_spec = importlib.util.spec_from_file_location('retrieve', TOOL)
retrieve = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(retrieve)


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
    result = subprocess.run(
        [sys.executable, str(TOOL), str(CONFIG), str(checkpoint),
         '--split', 'test', '--query-index', '0', '5', '--topk', '4',
         '--out-dir', str(out)], cwd=workspace, capture_output=True,
        text=True, timeout=300,
        env=dict(os.environ, PYTHONPATH=str(REPO), OMP_NUM_THREADS='1'))
    assert result.returncode == 0, result.stderr[-3000:]

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
            assert grid.width >= 4 * retrieve.TILE_SIZE[0]
        assert f"query {number}: {caption['caption']!r}" in result.stdout


def test_gallery_folder_with_query_file(checkpoint, tmp_path):
    gallery = checkpoint.parent / 'data' / 'SynthPEDES' / 'imgs' / 'val'
    queries = tmp_path / 'queries.txt'
    queries.write_text('a man in a black coat\n\n  a woman in red  \n')
    summary = retrieve.main([
        str(CONFIG), str(checkpoint), '--gallery-dir', str(gallery),
        '--query-file', str(queries), '--topk', '4', '--out-dir',
        str(tmp_path / 'out')])
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
    with pytest.raises(SystemExit, match='checkpoint file not found: .*'
                       'absent.pth'):
        retrieve.main([str(CONFIG), str(tmp_path / 'absent.pth'),
                       '--gallery-dir', str(gallery), '--query', 'a man',
                       '--out-dir', str(tmp_path)])


def test_unreadable_image_is_a_clear_error(checkpoint, tmp_path):
    Image.new('RGB', (32, 96), 'blue').save(tmp_path / 'fine.png')
    (tmp_path / 'broken.jpg').write_bytes(b'')
    with pytest.raises(SystemExit, match='broken.jpg.*empty'):
        retrieve.main([str(CONFIG), str(checkpoint), '--gallery-dir',
                       str(tmp_path), '--query', 'a man', '--out-dir',
                       str(tmp_path / 'out')])


def test_empty_gallery_folder_is_a_clear_error(checkpoint, tmp_path):
    (tmp_path / 'notes.txt').write_text('no images here')
    with pytest.raises(SystemExit, match=re.escape(
            f'gallery folder {tmp_path} holds no image')):
        retrieve.main([str(CONFIG), str(checkpoint), '--gallery-dir',
                       str(tmp_path), '--query', 'a man'])


def test_query_index_needs_a_split_and_a_valid_index(checkpoint, tmp_path,
                                                     capsys):
    with pytest.raises(SystemExit) as exit_info:
        retrieve.main([str(CONFIG), str(checkpoint), '--gallery-dir',
                       str(tmp_path), '--query-index', '0'])
    assert exit_info.value.code == 2
    assert '--query-index needs --split' in capsys.readouterr().err
    with pytest.raises(SystemExit, match=r'--query-index must be in '
                       r'\[0, 12\).*\[12\]'):
        retrieve.main([str(CONFIG), str(checkpoint), '--split', 'test',
                       '--query-index', '12', '--out-dir', str(tmp_path)])


def test_kept_index_grows_and_refuses_another_model(checkpoint, tmp_path,
                                                     capsys):
    source = checkpoint.parent / 'data' / 'SynthPEDES' / 'imgs' / 'val'
    gallery = tmp_path / 'gallery'
    gallery.mkdir()
    images = sorted(source.iterdir())
    for image in images[:3]:
        (gallery / image.name).write_bytes(image.read_bytes())
    args = [str(CONFIG), str(checkpoint), '--gallery-dir', str(gallery),
            '--query', 'a man in a black coat', '--topk', '3',
            '--index-dir', str(tmp_path / 'index'), '--out-dir',
            str(tmp_path / 'out')]
    first = retrieve.main(args)
    assert 'index ' + str(tmp_path / 'index') + ': 3 images, 3 added' in (
        capsys.readouterr().out)
    (gallery / images[3].name).write_bytes(images[3].read_bytes())
    second = retrieve.main(args[:-5] + ['4'] + args[-4:])
    assert ': 4 images, 1 added' in capsys.readouterr().out
    fresh = retrieve.main(args[:-5] + ['4', '--out-dir',
                                       str(tmp_path / 'out')])
    assert [hit['path'] for hit in second['queries'][0]['hits']] == [
        hit['path'] for hit in fresh['queries'][0]['hits']]
    assert first['gallery_size'] == 3 and second['gallery_size'] == 4

    with pytest.raises(SystemExit, match=r'k=5 is larger than the gallery '
                       r'\(4 images\)'):
        retrieve.main(args[:-5] + ['5'] + args[-4:])

    other = tmp_path / 'other.pth'
    state = torch.load(checkpoint)
    first_key = next(iter(state['state_dict']))
    state['state_dict'][first_key] = state['state_dict'][first_key] + 1
    torch.save(state, other)
    with pytest.raises(SystemExit, match='index in .* is stale'):
        retrieve.main([args[0], str(other)] + args[2:])
