"""Search speed of the gallery index at a million images, exact and
approximate.

Synthetic 512-d gallery embeddings (a mixture of ``--clusters`` Gaussian
clusters of equal weight, each image its cluster's centre plus noise of the
same power, so neighbours exist as in a real gallery) go into a
:class:`~amnsfw.apis.gallery_index.GalleryIndex` in chunks of 100,000, as
``TextImageSearcher.add`` would; queries are drawn alike::

    .venv/bin/python benchmarks/search_speed.py              # 1,000,000
    .venv/bin/python benchmarks/search_speed.py --size 100000 --threads 2

For each kind (``flat``: exact inner product; ``ivf``: 1,024 inverted
lists trained on the first chunk, 32 visited per query) in a fresh
process: the build's seconds and the growth of the process's resident
memory over the generated embeddings (current RSS, and the peak
``ru_maxrss``); queries/s in batches of 64 with ``--threads`` threads;
single-query latency p50 / p99 over ``--single-queries`` queries with one
thread (a server answering one request per core) and with ``--threads``;
and for ``ivf`` its recall@10 against the exact top 10 of the same
queries.
"""
import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

import faiss
import numpy as np
import torch

from amnsfw.apis.gallery_index import GalleryIndex

DIM = 512
CHUNK = 100_000
BATCH = 64
NLIST = 1024
NPROBE = 32


def embeddings(num: int, clusters: int, seed: int) -> np.ndarray:
    """(num, DIM) float32 synthetic embeddings around shared centres."""
    centres = np.random.default_rng(0).standard_normal(
        (clusters, DIM), dtype=np.float32)
    rng = np.random.default_rng(seed)
    out = np.empty((num, DIM), dtype=np.float32)
    for start in range(0, num, CHUNK):
        stop = min(start + CHUNK, num)
        out[start:stop] = centres[rng.integers(0, clusters, stop - start)]
        out[start:stop] += rng.standard_normal((stop - start, DIM),
                                               dtype=np.float32)
    return out


def rss_mib() -> float:
    with open('/proc/self/statm', encoding='ascii') as file:
        return int(file.read().split()[1]) * os.sysconf('SC_PAGE_SIZE') / 2**20


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**10


def measure(kind: str, args: argparse.Namespace) -> dict:
    """Build one kind of index and time its searches (a worker)."""
    faiss.omp_set_num_threads(args.threads)
    torch.set_num_threads(args.threads)
    gallery = embeddings(args.size, args.clusters, seed=1)
    queries = embeddings(args.queries, args.clusters, seed=2)
    before, peak_before = rss_mib(), peak_rss_mib()
    start = time.perf_counter()
    index = GalleryIndex({'global': DIM}, 'synthetic', kind, nlist=NLIST,
                         nprobe=NPROBE)
    for first in range(0, args.size, CHUNK):
        index.add({'global': torch.from_numpy(gallery[first:first + CHUNK])})
    build_s = time.perf_counter() - start
    memory = dict(rss_growth_mib=rss_mib() - before,
                  peak_growth_mib=peak_rss_mib() - peak_before)

    latencies = {}
    for threads in sorted({1, args.threads}):
        faiss.omp_set_num_threads(threads)
        latencies[threads] = []
        for row in range(args.single_queries):
            one = {'global': torch.from_numpy(queries[row:row + 1])}
            start = time.perf_counter()
            index.search(one, 10)
            latencies[threads].append(time.perf_counter() - start)
    faiss.omp_set_num_threads(args.threads)
    top10 = []
    start = time.perf_counter()
    for first in range(0, args.queries, BATCH):
        batch = {'global': torch.from_numpy(queries[first:first + BATCH])}
        top10.append(index.search(batch, 10)[1])
    batch_s = time.perf_counter() - start
    top10 = np.concatenate(top10)
    result = dict(kind=kind, build_s=build_s, **memory,
                  queries_per_s=args.queries / batch_s, latency_ms={
                      threads: [1e3 * float(np.percentile(times, q))
                                for q in (50, 99)]
                      for threads, times in latencies.items()})
    if kind == 'flat':
        np.save(args.exact, top10)
    else:
        exact = np.load(args.exact)
        found = [len(set(a) & set(e)) for a, e in zip(top10, exact)]
        result['recall_at_10'] = float(np.mean(found)) / 10
    return result


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--size', type=int, default=1_000_000,
                        help='gallery embeddings. Defaults to 1,000,000.')
    parser.add_argument('--clusters', type=int, default=10_000,
                        help='clusters of the synthetic embeddings. '
                        'Defaults to 10,000.')
    parser.add_argument('--queries', type=int, default=640,
                        help='queries searched in batches of 64 (and for '
                        'recall). Defaults to 640.')
    parser.add_argument('--single-queries', type=int, default=100,
                        help='queries searched one at a time. Defaults to '
                        '100.')
    parser.add_argument('--threads', type=int, default=2,
                        help='FAISS and torch threads. Defaults to 2.')
    parser.add_argument('--worker', choices=('flat', 'ivf'),
                        help=argparse.SUPPRESS)
    parser.add_argument('--exact', help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(measure(args.worker, args)))
        return

    print(f'{args.size:,} x {DIM} gallery, {args.clusters:,} clusters, '
          f'{args.threads} threads; ivf: {NLIST} lists, nprobe {NPROBE}')
    print(f'{"kind":>5} {"build s":>8} {"RSS MiB":>8} {"peak MiB":>9} '
          f'{"q/s @64":>8} {"R@10":>6}  single query p50 / p99 ms')
    with tempfile.TemporaryDirectory() as folder:
        exact = os.path.join(folder, 'exact_top10.npy')
        for kind in ('flat', 'ivf'):
            command = [sys.executable, __file__, '--worker', kind,
                       '--exact', exact] + [
                           f'--{name.replace("_", "-")}={getattr(args, name)}'
                           for name in ('size', 'clusters', 'queries',
                                        'single_queries', 'threads')]
            done = subprocess.run(command, capture_output=True, text=True,
                                  check=False)
            if done.returncode != 0:
                raise RuntimeError(f'{kind} failed:\n{done.stderr}')
            row = json.loads(done.stdout.strip().splitlines()[-1])
            recall = (f'{row["recall_at_10"]:.3f}'
                      if 'recall_at_10' in row else 'exact')
            latency = ', '.join(
                f'{p50:.2f} / {p99:.2f} ({threads} thread'
                f'{"s" if int(threads) > 1 else ""})'
                for threads, (p50, p99) in row['latency_ms'].items())
            print(f'{kind:>5} {row["build_s"]:8.1f} '
                  f'{row["rss_growth_mib"]:8.0f} '
                  f'{row["peak_growth_mib"]:9.0f} '
                  f'{row["queries_per_s"]:8.1f} {recall:>6}  {latency}',
                  flush=True)


if __name__ == '__main__':
    main()
