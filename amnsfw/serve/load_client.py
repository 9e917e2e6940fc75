"""A client that loads a search server with concurrent ``POST /search``
requests and measures their latency (``benchmarks/serve_load.py``)."""
import json
import math
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import List, Optional, Sequence, Tuple


@dataclass(frozen=True)
class LoadResult:
    """What a load run measured.

    Args:
        latencies (List[float]): Seconds of each answered request.
        errors (List[str]): One line per failed request.
        wall (float): Seconds from the first request to the last answer.
    """

    latencies: List[float]
    errors: List[str]
    wall: float

    def percentile(self, q: float) -> float:
        """The ``q``-th percentile (0 to 100) of the latencies, nearest
        rank, in seconds."""
        ordered = sorted(self.latencies)
        return ordered[max(1, math.ceil(len(ordered) * q / 100)) - 1]


def post_json(url: str, payload: dict,
              timeout: float = 60.) -> Tuple[int, dict]:
    """POST ``payload`` as JSON; the status and the decoded answer."""
    request = urllib.request.Request(
        url, data=json.dumps(payload).encode('utf-8'),
        headers={'Content-Type': 'application/json'})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


def fire(base_url: str, queries: Sequence[Tuple[str, Optional[int]]],
         num_requests: int = 200, concurrency: int = 16,
         k: int = 10) -> LoadResult:
    """Send ``num_requests`` searches, ``concurrency`` at a time.

    Args:
        base_url (str): The server, e.g. ``http://127.0.0.1:8000``.
        queries (Sequence[Tuple[str, int | None]]): ``(text,
            caption_index)`` pairs, cycled.
        num_requests (int): Requests in all. Defaults to 200.
        concurrency (int): Requests in flight at once. Defaults to 16.
        k (int): Hits per search. Defaults to 10.
    """

    def one(number: int) -> Tuple[float, Optional[str]]:
        text, caption_index = queries[number % len(queries)]
        started = time.perf_counter()
        try:
            status, body = post_json(f'{base_url}/search', dict(
                text=text, k=k, caption_index=caption_index))
        except OSError as error:
            return time.perf_counter() - started, f'{number}: {error}'
        elapsed = time.perf_counter() - started
        if status != 200 or len(body['hits']) != k:
            return elapsed, f'{number}: HTTP {status} {body}'
        return elapsed, None

    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        outcomes = list(pool.map(one, range(num_requests)))
    wall = time.perf_counter() - started
    return LoadResult(
        latencies=[elapsed for elapsed, error in outcomes if error is None],
        errors=[error for _, error in outcomes if error is not None],
        wall=wall)
