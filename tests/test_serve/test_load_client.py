"""A small run of amnsfw.serve.load_client (benchmarks/serve_load.py's
client) against the test server: concurrent searches, none may fail (timing
is not checked)."""
from amnsfw.serve.load_client import LoadResult, fire


def test_concurrent_searches_all_succeed(server_url, service):
    queries = [(c.text, c.index if c.index % 2 else None)
               for c in service.gallery.captions]
    result = fire(server_url, queries, num_requests=48, concurrency=8, k=5)
    assert result.errors == []
    assert len(result.latencies) == 48


def test_a_failed_request_is_counted(server_url):
    result = fire(server_url, [('', None)], num_requests=3, concurrency=2,
                  k=5)
    assert len(result.errors) == 3 and 'HTTP 422' in result.errors[0]


def test_percentiles_are_nearest_rank():
    result = LoadResult(latencies=[float(i) for i in range(
        100, 0, -1)], errors=[], wall=1.)
    assert (result.percentile(50), result.percentile(99),
            result.percentile(100)) == (50., 99., 100.)
