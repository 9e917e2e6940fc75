"""Load test of ``amnsfw serve`` on loopback: latency percentiles and
errors of concurrent ``POST /search`` requests.

Starts ``amnsfw serve`` in a child process on a free loopback port, waits
for it to index its gallery, then sends ``--requests`` searches from
``--concurrency`` client threads and prints p50/p99 latency, throughput
and the number of errors (any answer but 200, or no answer)::

    .venv/bin/python benchmarks/serve_load.py
    .venv/bin/python benchmarks/serve_load.py configs/itc/\\
itc_tinyclip_8e_synthpedes.py work_dirs/synthpedes_demo/best.pth \\
        --requests 200 --concurrency 16

The queries are the split's own captions, in order and cycled; every
other request names its caption (``caption_index``), so the server also
computes that query's R@1 and AP. The default model is the zoo's
``tinyclip-synthpedes`` on the test split of ``data/SynthPEDES`` (800
images, 1,600 captions; the main job generates it). Exits 1 if any
request failed.
"""
import argparse
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from typing import List, Optional, Sequence, Tuple

from mmengine.config import Config

from amnsfw.serve.gallery import gallery_from_split
from amnsfw.serve.load_client import fire
from amnsfw.serve.load_searcher import zoo_config, zoo_name

#: Seconds to wait for the server to load its model and index the gallery.
START_TIMEOUT = 600


def free_port() -> int:
    """A loopback port free at the time of asking."""
    with socket.socket() as probe:
        probe.bind(('127.0.0.1', 0))
        return probe.getsockname()[1]


def wait_until_up(base_url: str, server: subprocess.Popen) -> dict:
    """``GET /info`` once the server answers it."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f'amnsfw serve exited with {server.returncode}')
        try:
            with urllib.request.urlopen(f'{base_url}/info', timeout=5) as r:
                return json.load(r)
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f'amnsfw serve did not answer in {START_TIMEOUT} s')


def split_queries(model: str, split: str,
                  data_root: str) -> List[Tuple[str, Optional[int]]]:
    """The split's captions as the server numbers them; every other one
    names its index."""
    name = zoo_name(model)
    cfg = zoo_config(name) if name else Config.fromfile(model)
    captions = gallery_from_split(cfg, split, data_root).captions
    return [(c.text, c.index if c.index % 2 else None) for c in captions]


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('model', nargs='?', default='tinyclip-synthpedes',
                        help='config file or zoo entry (default: '
                        'tinyclip-synthpedes)')
    parser.add_argument('checkpoint', nargs='?',
                        help='checkpoint of the config')
    parser.add_argument('--data-root', default='data/SynthPEDES',
                        help='a CUHK-PEDES-format data set (default: '
                        'data/SynthPEDES)')
    parser.add_argument('--split', default='test', choices=('val', 'test'))
    parser.add_argument('--requests', type=int, default=200)
    parser.add_argument('--concurrency', type=int, default=16)
    parser.add_argument('--k', type=int, default=10)
    return parser.parse_args(argv)


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = parse_args(argv)
    port = free_port()
    base_url = f'http://127.0.0.1:{port}'
    command = [sys.executable, '-m', 'amnsfw.cli', 'serve', args.model,
               *([args.checkpoint] if args.checkpoint else []), '--split',
               args.split, '--data-root', args.data_root, '--port',
               str(port)]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        info = wait_until_up(base_url, server)
        queries = split_queries(args.model, args.split, args.data_root)
        result = fire(base_url, queries, args.requests, args.concurrency,
                      args.k)
    finally:
        server.terminate()
        server.wait(timeout=30)
    answered = len(result.latencies)
    print(f"{info['model']}, {info['gallery']}: {info['gallery_size']} "
          f'images; {args.requests} requests, {args.concurrency} '
          f'concurrent, k={args.k}, {os.cpu_count()} CPUs')
    if answered:
        print(f'p50 {1000 * result.percentile(50):.1f} ms  p99 '
              f'{1000 * result.percentile(99):.1f} ms  throughput '
              f'{answered / result.wall:.1f} requests/s')
    print(f'errors: {len(result.errors)}')
    for error in result.errors[:5]:
        print(f'  {error}')
    return 1 if result.errors else 0


if __name__ == '__main__':
    sys.exit(main())
