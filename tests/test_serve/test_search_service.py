"""SearchService: rankings, relevance, metrics and lookups, without HTTP."""
import dataclasses

import pytest

from amnsfw.serve import NotFound, QueryError


def test_hits_are_the_searchers_ranking_with_relevance(service):
    caption = service.gallery.captions[0]
    result = service.search(caption.text, k=4, caption_index=caption.index)
    expected = service.searcher.search([caption.text], k=4)[0]
    assert [(h.index, h.score) for h in result.hits] == expected
    assert [h.rank for h in result.hits] == [1, 2, 3, 4]
    for hit in result.hits:
        assert hit.pid == service.gallery.pids[hit.index]
        assert hit.relevant == (hit.pid == caption.pid)
    assert result.caption == caption


def test_metrics_are_r1_and_ap_of_the_full_ranking(service):
    gallery_size = len(service.gallery)
    for caption in service.gallery.captions:
        result = service.search(caption.text, k=gallery_size,
                                caption_index=caption.index)
        relevant = [hit.relevant for hit in result.hits]
        ranks = [rank for rank, r in enumerate(relevant, start=1) if r]
        ap = 100 * sum(n / rank for n, rank in enumerate(ranks, 1)) / len(
            ranks)
        assert result.metrics['R1'] == (100. if relevant[0] else 0.)
        assert result.metrics['AP'] == pytest.approx(ap)


def test_free_text_has_no_relevance(service):
    result = service.search('a man in a black jacket', k=3)
    assert [hit.relevant for hit in result.hits] == [None] * 3
    assert result.metrics is None and result.caption is None


def test_a_caption_is_its_own_closest_caption(service):
    for caption in service.gallery.captions[:4]:
        closest, score = service.similar_captions(caption.text, n=3)[0]
        assert closest.text == caption.text
        assert score == pytest.approx(1., abs=1e-5)


def test_text_without_a_known_word_is_refused(service):
    with pytest.raises(QueryError, match='knows none of the words'):
        service.search('一个穿灰色外套的男人', k=3)
    with pytest.raises(QueryError, match='knows none of the words'):
        service.similar_captions('[MASK] [PAD]', n=3)
    # Known words among unknown ones, accents stripped: answered.
    assert service.search('a wömán in a red jacket ☂ 外套', k=2).hits


def test_caption_index_must_name_the_text(service):
    with pytest.raises(QueryError, match='not the query'):
        service.search('a man', k=3, caption_index=0)
    with pytest.raises(NotFound, match='no caption 99'):
        service.search('a man', k=3, caption_index=99)


@pytest.mark.parametrize('index', ['-1', '6', '1e1', '../0', '１', ''])
def test_only_indexed_images_are_found(service, index):
    with pytest.raises(NotFound):
        service.image_path(index)


def test_a_removed_image_file_is_not_found(service, monkeypatch, tmp_path):
    paths = list(service.gallery.paths)
    paths[0] = str(tmp_path / 'gone.jpg')
    monkeypatch.setattr(service, 'gallery', dataclasses.replace(
        service.gallery, paths=tuple(paths)))
    with pytest.raises(NotFound, match='is missing'):
        service.image_path('0')
    assert service.image_path('1') == paths[1]
