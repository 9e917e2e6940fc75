"""Speed and peak memory of amnsfw's retrieval metric beside the peers'
``rank()``, at the sizes of the benchmarks and beyond.

Random 512-d features; the gallery's person ids are spread evenly over the
split's number of persons and each query takes the id of a random gallery
image, as in the real test splits::

    .venv/bin/python benchmarks/retrieval_metric_speed.py --sizes cuhk
    .venv/bin/python benchmarks/retrieval_metric_speed.py \\
        --sizes cuhk icfg 100k --threads 2

Sizes (queries x gallery, persons): ``cuhk`` 6,156 x 3,074, 1,000 persons
(CUHK-PEDES test, ~3 images each); ``icfg`` 19,848 x 19,848, 1,000 persons
(ICFG-PEDES test, ~20 images each); ``100k`` 100,000 x 100,000, 5,000
persons (~20 each).

Three methods, each in a fresh process on the same features:

- ``ours``: :func:`amnsfw.evaluation.functional.retrieval_metrics`
  (chunked, sort-free, ``chunk_size='auto'``);
- ``peers``: the ``rank()`` of IRRA and RDE (``utils/metrics.py``),
  re-implemented from its published algorithm and run as their evaluator
  runs it: the full Q x G similarity matrix, a full descending argsort of
  it, the gallery ids gathered in that order, cumulative sums of the
  matches, a Python loop over the queries for mINP and one over the
  gallery positions for the precisions. Skipped, printing ``needs N GB``,
  where its estimated peak exceeds ``--peers-limit-gb``;
- ``matmul``: the similarity matrix alone, in the chunks ``ours`` uses,
  the floor of any exact metric.

Peak memory is the growth of the process's peak resident set
(``ru_maxrss``) while the method runs, over the features already in
memory.
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

#: (queries, gallery images, persons) of each size.
SIZES = {
    'cuhk': (6156, 3074, 1000),
    'icfg': (19848, 19848, 1000),
    '100k': (100_000, 100_000, 5000),
}
DIM = 512
METHODS = ('ours', 'peers', 'matmul')
#: Peak bytes per (query, gallery) pair of the peers' ``rank()``: float32
#: similarities, int64 argsort and gathered ids, bool matches, int64
#: cumulative sums, the float32 precision columns and their stack; measured
#: 14.6 GB at the ICFG size (37 bytes a pair).
PEERS_BYTES_PER_PAIR = 37
MEMORY_BUDGET_MB = 512.


def make_split(num_queries: int, num_gallery: int, num_persons: int,
               seed: int = 0):
    """Random features and person ids of one size."""
    generator = torch.Generator().manual_seed(seed)
    gallery_pids = torch.arange(num_gallery) * num_persons // num_gallery
    query_pids = gallery_pids[torch.randint(0, num_gallery, (num_queries, ),
                                            generator=generator)]
    query = torch.randn(num_queries, DIM, generator=generator)
    gallery = torch.randn(num_gallery, DIM, generator=generator)
    return query, gallery, query_pids, gallery_pids


def peers_rank(similarity: torch.Tensor, q_pids: torch.Tensor,
               g_pids: torch.Tensor, max_rank: int = 10) -> Dict[str, float]:
    """The peers' ``rank()`` with ``get_mAP=True``, step by step.

    Ties fall in argsort's order; R@K is the CMC curve at K.
    """
    order = torch.argsort(similarity, dim=1, descending=True)
    matches = g_pids[order].eq(q_pids.view(-1, 1))
    cmc = matches[:, :max_rank].cumsum(1)
    cmc[cmc > 1] = 1
    cmc = cmc.float().mean(0) * 100
    num_rel = matches.sum(1)
    hits_so_far = matches.cumsum(1)
    # mINP: a Python loop over the queries, as in the original.
    inverse_penalties = []
    for row, match_row in enumerate(matches):
        last = match_row.nonzero()[-1]
        inverse_penalties.append(hits_so_far[row][last] / (last + 1.))
    minp = torch.cat(inverse_penalties).mean() * 100
    # mAP: one precision column per gallery position, then stacked.
    columns = [hits_so_far[:, i] / (i + 1.)
               for i in range(hits_so_far.shape[1])]
    precisions = torch.stack(columns, 1) * matches
    average_precision = precisions.sum(1) / num_rel
    return {
        'R1': float(cmc[0]),
        'R5': float(cmc[4]),
        'R10': float(cmc[9]),
        'mAP': float(average_precision.mean() * 100),
        'mINP': float(minp),
    }


def peak_rss_mib() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == 'darwin' else peak / 2**10


def measure(size: str, method: str, threads: int) -> dict:
    """Run one method once in this process (a worker)."""
    torch.set_num_threads(threads)
    query, gallery, query_pids, gallery_pids = make_split(*SIZES[size])
    metrics = None
    before = peak_rss_mib()
    start = time.perf_counter()
    if method == 'ours':
        metrics = retrieval_metrics(query, gallery, query_pids, gallery_pids,
                                    memory_budget_mb=MEMORY_BUDGET_MB)
    elif method == 'peers':
        # The peers' evaluator: normalise, one matmul, rank().
        similarity = F.normalize(query, dim=1) @ F.normalize(gallery,
                                                             dim=1).t()
        metrics = peers_rank(similarity, query_pids, gallery_pids)
    else:
        query, gallery = F.normalize(query, dim=1), F.normalize(gallery,
                                                                dim=1)
        chunk = auto_chunk_size(len(gallery), MEMORY_BUDGET_MB)
        for first in range(0, len(query), chunk):
            query[first:first + chunk] @ gallery.T
    seconds = time.perf_counter() - start
    return dict(seconds=seconds, peak_mib=peak_rss_mib() - before,
                metrics=metrics)


def run_worker(size: str, method: str, threads: int) -> dict:
    """Run one method in a fresh process."""
    result = subprocess.run(
        [sys.executable, __file__, '--worker', size, method, '--threads',
         str(threads)], capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f'{method} at {size} failed:\n{result.stderr}')
    return json.loads(result.stdout.strip().splitlines()[-1])


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--sizes', nargs='+', choices=sorted(SIZES),
                        default=['cuhk', 'icfg', '100k'])
    parser.add_argument('--threads', type=int, default=2,
                        help='torch intra-op threads. Defaults to 2.')
    parser.add_argument('--peers-limit-gb', type=float, default=16.,
                        help="skip the peers' rank() above this estimated "
                        'peak. Defaults to 16.')
    parser.add_argument('--worker', nargs=2, metavar=('SIZE', 'METHOD'),
                        help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(measure(*args.worker, args.threads)))
        return

    print(f'threads {args.threads}, our memory budget '
          f'{MEMORY_BUDGET_MB:g} MiB')
    print(f'{"size":>5} {"Q x G":>17} {"method":>7} {"seconds":>8} '
          f'{"peak MiB":>9}  R1 / mAP / mINP')
    for size in args.sizes:
        num_queries, num_gallery, _ = SIZES[size]
        shape = f'{num_queries:,} x {num_gallery:,}'
        results = {}
        for method in METHODS:
            needs_gb = num_queries * num_gallery * PEERS_BYTES_PER_PAIR / 1e9
            if method == 'peers' and needs_gb > args.peers_limit_gb:
                print(f'{size:>5} {shape:>17} {method:>7} not run: needs '
                      f'{needs_gb:,.0f} GB', flush=True)
                continue
            result = results[method] = run_worker(size, method, args.threads)
            values = ('-' if result['metrics'] is None else ' / '.join(
                f'{result["metrics"][name]:.3f}'
                for name in ('R1', 'mAP', 'mINP')))
            print(f'{size:>5} {shape:>17} {method:>7} '
                  f'{result["seconds"]:8.2f} {result["peak_mib"]:9.0f}  '
                  f'{values}', flush=True)
        ours = results['ours']
        line = (f'{"":>5} ours / matmul alone '
                f'{ours["seconds"] / results["matmul"]["seconds"]:.2f}x')
        if 'peers' in results:
            peers = results['peers']
            gap = max(abs(ours['metrics'][name] - peers['metrics'][name])
                      for name in ours['metrics'])
            speedup = peers['seconds'] / ours['seconds']
            line += (f"; ours {speedup:.1f}x faster than the peers', "
                     f'largest metric difference {gap:.2e}')
        print(line, flush=True)


if __name__ == '__main__':
    main()
