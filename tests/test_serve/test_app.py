"""The app over HTTP on loopback: the page, the API, and bad input."""
import dataclasses

import pytest

from .api_client import request


def test_the_page_and_its_files_are_served(server_url):
    status, _, body = request(server_url + '/')
    assert status == 200 and b'id="query"' in body
    for name in ['search.js', 'style.css']:
        assert request(f'{server_url}/static/{name}')[0] == 200


def test_search_returns_ranked_hits_with_image_urls(server_url, service):
    caption = service.gallery.captions[3]
    status, result, _ = request(server_url + '/search', dict(
        text=caption.text, k=3, caption_index=caption.index))
    assert status == 200
    assert [hit['rank'] for hit in result['hits']] == [1, 2, 3]
    scores = [hit['score'] for hit in result['hits']]
    assert scores == sorted(scores, reverse=True)
    assert result['caption']['pid'] == caption.pid
    assert set(result['metrics']) == {'R1', 'AP'}
    top = result['hits'][0]
    status, _, image = request(server_url + top['image_url'])
    with open(service.gallery.paths[top['index']], 'rb') as file:
        assert status == 200 and image == file.read()


def test_image_info_lists_the_images_captions(server_url, service):
    status, info, _ = request(server_url + '/images/2/info')
    assert status == 200 and info['pid'] == service.gallery.pids[2]
    assert [c['text'] for c in info['captions']] == [
        c.text for c in service.gallery.captions_of(2)]


def test_similar_captions_and_info(server_url):
    status, scored, _ = request(server_url + '/captions/similar',
                                dict(text='a person in a red jacket', n=5))
    assert status == 200 and len(scored) == 5
    status, info, _ = request(server_url + '/info')
    assert info['gallery_size'] == 6 and info['num_captions'] == 12


def test_openapi_describes_the_api(server_url):
    status, spec, _ = request(server_url + '/openapi.json')
    assert status == 200
    assert {'/search', '/captions/similar', '/images/{index}',
            '/info'} <= set(spec['paths'])


@pytest.mark.parametrize('payload, status', [
    (dict(text=''), 422),
    (dict(text='   '), 422),
    (dict(text='a man in a coat ' * 625), 422),  # 10,000 characters
    (dict(text='一个穿灰色外套的男人'), 422),
    (dict(text='\ud800'), 422),  # a lone surrogate
    (dict(text='a man', k=0), 422),
    (dict(text='a man', k=-3), 422),
    (dict(text='a man', k=10**12), 422),
    (dict(text='a man', k='ten'), 422),
    (dict(k=3), 422),
    (dict(text=['a man']), 422),
    (dict(text='a man', caption_index=-1), 422),
    (dict(text='a man', caption_index=0), 422),
    (dict(text='a man', caption_index=10**6), 404),
])
def test_bad_searches_get_a_clear_4xx(server_url, payload, status):
    got, body, _ = request(server_url + '/search', payload)
    assert got == status, body
    assert body['detail']


def test_a_long_query_is_not_echoed_back(server_url):
    got, body, raw = request(server_url + '/search', dict(text='x' * 10000))
    assert got == 422 and len(raw) < 500
    assert 'at most 1000 characters' in body['detail'][0]['msg']


@pytest.mark.parametrize('data', [None, b'{"text": "a man"', b'\xff\xfe'])
def test_a_body_that_is_not_json_gets_422(server_url, data):
    got, body, _ = request(server_url + '/search', method='POST', data=data)
    assert got == 422 and body['detail']


@pytest.mark.parametrize('path', [
    '/images/6', '/images/-1', '/images/abc', '/images/6/info',
    '/images/../../etc/passwd', '/images/..%2F..%2Fetc%2Fpasswd',
    '/images/%2e%2e/%2e%2e/etc/passwd', '/static/../app.py',
    '/static/..%2Fapp.py', '/static/%2e%2e/app.py', '/etc/passwd',
])
def test_only_gallery_files_are_served(server_url, path):
    status, _, body = request(server_url + path)
    assert status == 404, body


def test_a_missing_image_file_gets_404(server_url, service, monkeypatch,
                                       tmp_path):
    paths = (str(tmp_path / 'gone.jpg'), ) + service.gallery.paths[1:]
    monkeypatch.setattr(service, 'gallery', dataclasses.replace(
        service.gallery, paths=paths))
    status, body, _ = request(server_url + '/images/0')
    assert status == 404 and 'is missing' in body['detail']


def test_a_folder_gallery_has_no_similar_captions(service, monkeypatch,
                                                  server_url):
    monkeypatch.setattr(service, '_caption_features', None)
    status, body, _ = request(server_url + '/captions/similar',
                              dict(text='a man'))
    assert status == 404 and '--split' in body['detail']
