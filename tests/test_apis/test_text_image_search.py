"""TextImageSearcher: a tiny random retriever over a tiny SynthPEDES."""
from pathlib import Path
from typing import Iterator, List, Tuple

import pytest
import torch
import torch.nn.functional as F
from mmengine.config import Config
from PIL import Image

from amnsfw.apis import StaleIndexError, TextImageSearcher
from amnsfw.datasets import collate_person_search
from amnsfw.datasets.synthpedes import generate_synthpedes
from amnsfw.datasets.transforms.load_person_image import ImageLoadError
from amnsfw.registry import DATASETS, MODELS

REPO = Path(__file__).resolve().parents[2]
CONFIG = REPO / 'configs' / 'itc' / 'itc_tinyclip_8e_synthpedes.py'


def make_workspace(root: Path) -> Path:
    """Write ``data/SynthPEDES`` (the config's relative data root) under
    ``root`` and a random model's checkpoint; return the checkpoint. Run
    with ``root`` as the working directory (the tokenizer's vocabulary is
    built there on first use)."""
    generate_synthpedes(root / 'data', num_train_ids=4, num_val_ids=2,
                        num_test_ids=3, images_per_id=2)
    torch.manual_seed(0)
    model = MODELS.build(Config.fromfile(CONFIG).model)
    checkpoint = root / 'tiny.pth'
    torch.save({'state_dict': model.state_dict(), 'meta': {}}, checkpoint)
    return checkpoint


@pytest.fixture(scope='module')
def checkpoint(tmp_path_factory) -> Iterator[Path]:
    """The checkpoint, with the working directory in its workspace."""
    root = tmp_path_factory.mktemp('search')
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(root)
        yield make_workspace(root)


@pytest.fixture(scope='module')
def searcher(checkpoint) -> TextImageSearcher:
    return TextImageSearcher(str(CONFIG), str(checkpoint))


def tiny_split(split: str = 'test') -> Tuple[List[dict], List[dict]]:
    """Gallery and query items of the tiny SynthPEDES split."""
    cfg = Config.fromfile(CONFIG).test_dataloader.dataset
    dataset = DATASETS.build(dict(cfg, split=split))
    num_gallery = dataset.metainfo['num_gallery']
    items = [dataset[i] for i in range(len(dataset))]
    return items[:num_gallery], items[num_gallery:]


def direct_similarities(checkpoint: Path, gallery: List[dict],
                        queries: List[dict]) -> torch.Tensor:
    """Cosine similarities of extract_feat's global embeddings, computed
    from the data set's own items without the searcher."""
    model = MODELS.build(Config.fromfile(CONFIG).model)
    model.load_state_dict(torch.load(checkpoint)['state_dict'])
    model.eval()
    with torch.no_grad():
        data = model.data_preprocessor(
            collate_person_search(gallery + queries), False)
        features = model.extract_feat(data['inputs'])
    return (F.normalize(features['text_embeds'], dim=1)
            @ F.normalize(features['image_embeds'], dim=1).T)


def test_scores_are_cosine_similarities_ranked(searcher, checkpoint,
                                               capsys):
    gallery, queries = tiny_split()
    searcher.index([item['img_path'] for item in gallery], batch_size=4)
    assert '6/6' in capsys.readouterr().err  # the progress bar
    texts = [item['caption'] for item in queries]
    rankings = searcher.search(texts, k=len(gallery))
    expected = direct_similarities(checkpoint, gallery, queries)
    for row, ranking in zip(expected, rankings):
        indices = [index for index, _ in ranking]
        scores = torch.tensor([score for _, score in ranking])
        assert sorted(indices) == list(range(len(gallery)))
        torch.testing.assert_close(scores, row[indices], atol=1e-5, rtol=0)
        assert (scores[:-1] >= scores[1:]).all()
    # The random model does not score every query alike.
    assert not torch.allclose(expected[0], expected[1])


def test_topk_size(searcher):
    gallery, queries = tiny_split()
    searcher.index([item['img_path'] for item in gallery], progress=False)
    texts = ['a man in a black coat', 'a woman with a red handbag']
    assert [len(hits) for hits in searcher.search(texts, k=2)] == [2, 2]
    assert [len(hits) for hits in searcher.search(texts, k=6)] == [6, 6]
    with pytest.raises(ValueError, match='k must be a positive integer'):
        searcher.search(texts, k=0)
    with pytest.raises(ValueError, match=r'k=7 is larger than the gallery '
                       r'\(6 images\)'):
        searcher.search(texts, k=7)


def test_images_in_memory_score_as_their_files(searcher, tmp_path):
    gallery, _ = tiny_split()
    # Lossless copies, so both paths decode the very same pixels.
    paths = []
    for number, item in enumerate(gallery):
        path = tmp_path / f'{number}.png'
        Image.open(item['img_path']).save(path)
        paths.append(str(path))
    from_files = searcher.index(paths, progress=False)
    in_memory = searcher.index([Image.open(path) for path in paths],
                               progress=False)
    assert from_files.keys() == in_memory.keys() == {'global'}
    torch.testing.assert_close(in_memory['global'], from_files['global'])


def test_queries_encode_independently_of_batching(searcher):
    texts = ['a man in a black coat', 'a woman with a red handbag',
             'a person in blue trousers']
    whole = searcher.encode_queries(texts)['global']
    one_by_one = searcher.encode_queries(texts, batch_size=1)['global']
    torch.testing.assert_close(one_by_one, whole, atol=1e-5, rtol=0)


def test_missing_checkpoint_names_the_file(checkpoint):
    missing = str(checkpoint.parent / 'no_such.pth')
    with pytest.raises(FileNotFoundError, match='no_such.pth'):
        TextImageSearcher(str(CONFIG), missing)


def test_unreadable_images_name_the_file(searcher, tmp_path):
    with pytest.raises(ImageLoadError, match='absent.jpg'):
        searcher.index([str(tmp_path / 'absent.jpg')], progress=False)
    broken = tmp_path / 'broken.jpg'
    broken.write_bytes(b'not an image')
    with pytest.raises(ImageLoadError, match='broken.jpg'):
        searcher.index([str(broken)], progress=False)


def test_empty_gallery_and_search_before_index(checkpoint):
    fresh = TextImageSearcher(str(CONFIG), str(checkpoint))
    with pytest.raises(RuntimeError, match='call index'):
        fresh.search(['a man'])
    with pytest.raises(ValueError, match='gallery to index is empty'):
        fresh.index([])


def test_index_grows_saves_and_refuses_another_models_copy(
        searcher, checkpoint, tmp_path):
    gallery, _ = tiny_split()
    paths = [item['img_path'] for item in gallery]
    texts = ['a man in a black coat', 'a woman with a red handbag']
    searcher.index(paths, progress=False)
    whole = searcher.search(texts, k=6)
    searcher.index(paths[:2], progress=False)
    searcher.add(paths[2:], progress=False)
    assert len(searcher.gallery_index) == 6
    grown = searcher.search(texts, k=6)
    for got, expected in zip(grown, whole):
        assert [i for i, _ in got] == [i for i, _ in expected]
        assert [s for _, s in got] == pytest.approx([s for _, s in expected],
                                                    abs=1e-6)

    searcher.save_index(str(tmp_path / 'index'))
    searcher.gallery_index = None
    searcher.load_index(str(tmp_path / 'index'))
    assert searcher.search(texts, k=6) == grown

    other = tmp_path / 'other.pth'
    state = torch.load(checkpoint)
    first = next(iter(state['state_dict']))
    state['state_dict'][first] = state['state_dict'][first] + 1
    torch.save(state, other)
    retrained = TextImageSearcher(str(CONFIG), str(other))
    with pytest.raises(StaleIndexError, match='stale.*rebuild it'):
        retrained.load_index(str(tmp_path / 'index'))
