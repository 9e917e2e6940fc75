"""Speed and peak memory of the chunked retrieval metrics against a full
argsort, at the sizes of the benchmarks and beyond.

Random 512-d features; every gallery person id has 4 images and each query
takes the id of a random gallery image, so a query has 4 relevant items::

    .venv/bin/python benchmarks/retrieval_metric_speed.py --sizes cuhk
    .venv/bin/python benchmarks/retrieval_metric_speed.py \\
        --sizes cuhk icfg 100k --threads 8 --memory-budget-mb 1024

Sizes (queries x gallery): ``cuhk`` 6,156 x 3,074 (CUHK-PEDES test),
``icfg`` 19,848 x 19,848 (ICFG-PEDES test), ``100k`` 100,000 x 100,000.
Each measurement runs in a fresh process; peak memory is the growth of the
process's peak resident set (``ru_maxrss``) while the metric runs, over the
features already in memory (tracemalloc does not see torch's allocations).
The full-argsort reference (what the peers do: a Q x G similarity matrix,
its argsort, and cumulative sums over it) is skipped, printing
``skipped (needs N GB)``, when its estimated peak exceeds ``--naive-limit-gb``.
"""
import argparse
import json
import resource
import subprocess
import sys
import time
from typing import Dict

import torch
import torch.nn.functional as F

from amnsfw.evaluation.functional import auto_chunk_size, retrieval_metrics

SIZES = {
    'cuhk': (6156, 3074),
    'icfg': (19848, 19848),
    '100k': (100_000, 100_000),
}
DIM = 512
IMAGES_PER_ID = 4
#: Peak bytes per (query, gallery) pair of the full-argsort reference (its
#: int64 argsort and gathered ids, then int64 cumulative sums and float32
#: precisions, over bool matches); measured 21.5 at the CUHK size.
NAIVE_BYTES_PER_PAIR = 22


def make_split(num_queries: int, num_gallery: int, seed: int = 0):
    generator = torch.Generator().manual_seed(seed)
    gallery_pids = torch.arange(num_gallery) // IMAGES_PER_ID
    query_pids = gallery_pids[torch.randint(0,
                                            num_gallery, (num_queries, ),
                                            generator=generator)]
    query = torch.randn(num_queries, DIM, generator=generator)
    gallery = torch.randn(num_gallery, DIM, generator=generator)
    return query, gallery, query_pids, gallery_pids


def full_argsort_metrics(query, gallery, query_pids,
                         gallery_pids) -> Dict[str, float]:
    """R@1/5/10, mAP and mINP from one full argsort (ties in argsort's
    order), as the peers' evaluation computes them."""
    sims = F.normalize(query, dim=1) @ F.normalize(gallery, dim=1).T
    order = sims.argsort(dim=1, descending=True)
    del sims
    matches = gallery_pids[order] == query_pids[:, None]
    del order
    metrics = {
        f'R{k}': 100. * matches[:, :k].any(dim=1).float().mean().item()
        for k in (1, 5, 10)
    }
    num_relevant = matches.sum(dim=1)
    hits = matches.cumsum(dim=1)
    positions = torch.arange(1, matches.shape[1] + 1)
    precision = hits / positions * matches
    metrics['mAP'] = 100. * (precision.sum(dim=1) / num_relevant).mean().item()
    last = matches.shape[1] - matches.flip(dims=[1]).int().argmax(dim=1)
    metrics['mINP'] = 100. * (num_relevant / last).mean().item()
    return metrics


def peak_rss_mib() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == 'darwin' else peak / 2**10


def measure(size: str, method: str, threads: int,
            memory_budget_mb: float) -> dict:
    """Run one method once in this process (a worker)."""
    torch.set_num_threads(threads)
    query, gallery, query_pids, gallery_pids = make_split(*SIZES[size])
    before = peak_rss_mib()
    start = time.perf_counter()
    if method == 'chunked':
        metrics = retrieval_metrics(query,
                                    gallery,
                                    query_pids,
                                    gallery_pids,
                                    chunk_size='auto',
                                    memory_budget_mb=memory_budget_mb)
    else:
        metrics = full_argsort_metrics(query, gallery, query_pids,
                                       gallery_pids)
    seconds = time.perf_counter() - start
    return dict(seconds=seconds,
                peak_mib=peak_rss_mib() - before,
                metrics=metrics)


def run_worker(size: str, method: str, threads: int,
               memory_budget_mb: float) -> dict:
    result = subprocess.run([
        sys.executable, __file__, '--worker', size, method, '--threads',
        str(threads), '--memory-budget-mb',
        str(memory_budget_mb)
    ],
                            capture_output=True,
                            text=True,
                            check=False)
    if result.returncode != 0:
        raise RuntimeError(f'{method} at {size} failed:\n{result.stderr}')
    return json.loads(result.stdout.strip().splitlines()[-1])


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--sizes',
                        nargs='+',
                        choices=sorted(SIZES),
                        default=['cuhk', 'icfg', '100k'])
    parser.add_argument('--threads',
                        type=int,
                        default=1,
                        help='torch intra-op threads. Defaults to 1.')
    parser.add_argument('--memory-budget-mb',
                        type=float,
                        default=512.,
                        help="the chunked metric's budget (chunk_size="
                        "'auto'). Defaults to 512.")
    parser.add_argument('--naive-limit-gb',
                        type=float,
                        default=8.,
                        help='skip the full argsort above this estimated '
                        'peak. Defaults to 8.')
    parser.add_argument('--worker',
                        nargs=2,
                        metavar=('SIZE', 'METHOD'),
                        help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print(
            json.dumps(
                measure(*args.worker, args.threads, args.memory_budget_mb)))
        return

    print(f'threads {args.threads}, chunked budget '
          f'{args.memory_budget_mb:g} MiB')
    print(f'{"size":>6} {"Q x G":>17} {"method":>12} {"chunk":>6} '
          f'{"seconds":>8} {"peak MiB":>9}  R1 / mAP / mINP')
    for size in args.sizes:
        num_queries, num_gallery = SIZES[size]
        shape = f'{num_queries:,} x {num_gallery:,}'
        results = {}
        for method in ('chunked', 'full-argsort'):
            chunk = (str(
                min(num_queries,
                    auto_chunk_size(num_gallery, args.memory_budget_mb)))
                     if method == 'chunked' else '-')
            needs_gb = num_queries * num_gallery * NAIVE_BYTES_PER_PAIR / 1e9
            if method == 'full-argsort' and needs_gb > args.naive_limit_gb:
                print(f'{size:>6} {shape:>17} {method:>12} {chunk:>6} '
                      f'skipped (needs {needs_gb:.0f} GB)')
                continue
            result = run_worker(size, method, args.threads,
                                args.memory_budget_mb)
            results[method] = result['metrics']
            values = ' / '.join(f'{result["metrics"][name]:.3f}'
                                for name in ('R1', 'mAP', 'mINP'))
            print(f'{size:>6} {shape:>17} {method:>12} {chunk:>6} '
                  f'{result["seconds"]:8.2f} {result["peak_mib"]:9.0f}  '
                  f'{values}')
        if len(results) == 2:
            gap = max(
                abs(results['chunked'][name] - results['full-argsort'][name])
                for name in results['chunked'])
            print(f'{"":>6} largest metric difference {gap:.2e} '
                  '(random features: no ties, so both rank alike)')


if __name__ == '__main__':
    main()
