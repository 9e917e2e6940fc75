"""A small run of benchmarks/serve_load.py's client against the test
server: concurrent searches, none may fail (timing is not checked)."""
import importlib.util
from pathlib import Path

BENCHMARK = Path(__file__).resolve().parents[2] / 'benchmarks' / \
    'serve_load.py'
_spec = importlib.util.spec_from_file_location('serve_load', BENCHMARK)
serve_load = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(serve_load)


def test_concurrent_searches_all_succeed(server_url, service):
    queries = [(c.text, c.index if c.index % 2 else None)
               for c in service.gallery.captions]
    result = serve_load.fire(server_url, queries, num_requests=48,
                             concurrency=8, k=5)
    assert result.errors == []
    assert len(result.latencies) == 48


def test_a_failed_request_is_counted(server_url):
    result = serve_load.fire(server_url, [('', None)], num_requests=3,
                             concurrency=2, k=5)
    assert len(result.errors) == 3 and 'HTTP 422' in result.errors[0]


def test_percentiles_are_nearest_rank():
    result = serve_load.LoadResult(latencies=[float(i) for i in range(
        100, 0, -1)], errors=[], wall=1.)
    assert (result.percentile(50), result.percentile(99),
            result.percentile(100)) == (50., 99., 100.)
