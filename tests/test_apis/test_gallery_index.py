import pytest
import torch

from amnsfw.apis import GalleryIndex, StaleIndexError, search_vectors
from amnsfw.evaluation.functional import similarity


def rde_like(num, generator):
    """A global and a TSE embedding of different sizes and scales."""
    return {'global': 3 * torch.randn(num, 16, generator=generator),
            'tse': torch.randn(num, 8, generator=generator)}


def test_inner_product_equals_the_metrics_similarity():
    generator = torch.Generator().manual_seed(0)
    query, gallery = rde_like(5, generator), rde_like(40, generator)
    names = ['global', 'tse']
    inner = torch.from_numpy(search_vectors(query, names) @ search_vectors(
        gallery, names).T)
    expected = similarity(query, gallery)
    torch.testing.assert_close(inner, expected, atol=1e-6, rtol=0)
    # One embedding alone would rank differently: the test can tell.
    assert not torch.allclose(
        similarity({'global': query['global']},
                   {'global': gallery['global']}), expected, atol=1e-3)


def test_exact_search_returns_the_metrics_top_k():
    generator = torch.Generator().manual_seed(1)
    query, gallery = rde_like(6, generator), rde_like(50, generator)
    index = GalleryIndex(GalleryIndex.dims_of(gallery), 'model-a')
    index.add({name: value[:20] for name, value in gallery.items()})
    index.add({name: value[20:] for name, value in gallery.items()})
    scores, positions = index.search(query, k=7)
    top = similarity(query, gallery).topk(7, dim=1)
    assert positions.tolist() == top.indices.tolist()
    torch.testing.assert_close(torch.from_numpy(scores), top.values,
                               atol=1e-6, rtol=0)


@pytest.mark.parametrize('kind', ['ivf', 'hnsw'])
def test_approximate_kinds_find_the_exact_neighbours_when_thorough(kind):
    generator = torch.Generator().manual_seed(2)
    gallery = {'global': torch.randn(400, 16, generator=generator)}
    query = {'global': torch.randn(10, 16, generator=generator)}
    exact = GalleryIndex({'global': 16}, 'm')
    exact.add(gallery)
    # Visiting every list (IVF) or a wide candidate list (HNSW).
    approximate = GalleryIndex({'global': 16}, 'm', kind, nlist=8, nprobe=8,
                               ef_search=400)
    approximate.add(gallery)
    assert (approximate.search(query, 5)[1] == exact.search(query, 5)[1]).all()


def test_save_and_load_keep_results_and_refuse_another_model(tmp_path):
    generator = torch.Generator().manual_seed(3)
    gallery, query = rde_like(30, generator), rde_like(2, generator)
    index = GalleryIndex(GalleryIndex.dims_of(gallery), 'model-a')
    index.add(gallery)
    index.save(str(tmp_path))
    loaded = GalleryIndex.load(str(tmp_path), 'model-a')
    assert len(loaded) == 30
    assert (loaded.search(query, 4)[1] == index.search(query, 4)[1]).all()
    with pytest.raises(StaleIndexError, match='built by model model-a'):
        GalleryIndex.load(str(tmp_path), 'model-b')
    with pytest.raises(FileNotFoundError, match='no saved gallery index'):
        GalleryIndex.load(str(tmp_path / 'nothing'), 'model-a')


def test_bad_input_is_refused():
    index = GalleryIndex({'global': 4}, 'm')
    query = {'global': torch.ones(1, 4)}
    with pytest.raises(ValueError, match='gallery index is empty'):
        index.search(query, 1)
    with pytest.raises(ValueError, match='NaN or infinite'):
        index.add({'global': torch.tensor([[1., float('nan'), 0., 0.]])})
    with pytest.raises(ValueError, match="'global' has dimension 5, the "
                       'index 4'):
        index.add({'global': torch.ones(2, 5)})
    with pytest.raises(ValueError, match=r"must be \['global'\]"):
        index.add({'tse': torch.ones(2, 4)})
    with pytest.raises(ValueError, match='no gallery items'):
        index.add({'global': torch.ones(0, 4)})
    index.add({'global': torch.randn(3, 4)})
    with pytest.raises(ValueError, match=r'k=4 is larger than the gallery '
                       r'\(3 images\)'):
        index.search(query, 4)
    with pytest.raises(ValueError, match='NaN or infinite'):
        index.search({'global': torch.full((1, 4), float('inf'))}, 1)
    with pytest.raises(ValueError, match='index kind must be one of'):
        GalleryIndex({'global': 4}, 'm', 'lsh')
    ivf = GalleryIndex({'global': 4}, 'm', 'ivf', nlist=16)
    with pytest.raises(ValueError, match='needs at least 16, got 3'):
        ivf.add({'global': torch.randn(3, 4)})
