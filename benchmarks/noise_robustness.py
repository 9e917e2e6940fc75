"""Noise robustness on SynthPEDES: each method at each noise rate and seed.

Trains the tiny SynthPEDES recipe of every method with ``tools/train.py``
(selecting the checkpoint on val, testing it once), a run per (method, noise
rate, seed), and writes a markdown table (test R@1/5/10, mAP, mINP as mean
± spread over seeds; best and last val R@1) and a PNG of R@1 against the
noise rate, one line per method. The full grid is SDM-only, RDE and AMNS at
0/20/50/80 % noise plus AMNS's four single ablations at 50 %, two seeds
each: 32 runs, about two hours with two runs at a time on a 2-core CPU::

    .venv/bin/python benchmarks/noise_robustness.py              # full grid
    .venv/bin/python benchmarks/noise_robustness.py --quick      # ~15 min
    .venv/bin/python benchmarks/noise_robustness.py --methods sdm amns \\
        --noise 0 0.5 --seeds 0 --ablations --epochs 10

Finished runs (their ``test_metrics.json``) are skipped, so an interrupted
benchmark resumes where it stopped, and the report covers every finished run
of the same length, so a grid can be run in pieces. A run in progress holds
a lock on its work dir, so several invocations may share one grid (on
several machines with a shared disk, or started at different times). Runs
go to ``work_dirs/noise_robustness``.
"""
import argparse
import contextlib
import fcntl
import json
import os
import statistics
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Dict, List, Tuple

REPO = Path(__file__).resolve().parents[1]
METHODS = {
    'sdm': 'configs/sdm/sdm_tinyclip_30e_synthpedes.py',
    'irra': 'configs/irra/irra_tinyclip_30e_synthpedes.py',
    'rde': 'configs/rde/rde_tinyclip_30e_synthpedes.py',
    'amns': 'configs/amns/amns_tinyclip_30e_synthpedes.py',
    'amns-randmask': 'configs/amns/amns-randmask_tinyclip_30e_synthpedes.py',
    'amns-nomask': 'configs/amns/amns-nomask_tinyclip_30e_synthpedes.py',
    'amns-sdm': 'configs/amns/amns-sdm_tinyclip_30e_synthpedes.py',
    'amns-nowaf': 'configs/amns/amns-nowaf_tinyclip_30e_synthpedes.py',
}
ABLATIONS = ('amns-randmask', 'amns-nomask', 'amns-sdm', 'amns-nowaf')
METRICS = ('R1', 'R5', 'R10', 'mAP', 'mINP')


def run_name(method: str, noise: float, seed: int, epochs: int) -> str:
    return f'{method}_noise{round(noise * 100)}_seed{seed}_{epochs}e'


@contextlib.contextmanager
def run_lock(work_dir: Path):
    """Hold ``work_dir``'s lock while the block runs; yields False, at
    once, when another process holds it."""
    work_dir.mkdir(parents=True, exist_ok=True)
    with open(work_dir / '.lock', 'w') as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        yield True


def train(method: str, noise: float, seed: int, epochs: int,
          root: Path) -> None:
    """Train and test one run, unless it is finished or another process
    runs it (then it is skipped)."""
    work_dir = root / run_name(method, noise, seed, epochs)
    out = work_dir / 'test_metrics.json'
    if out.is_file():
        return
    with run_lock(work_dir) as mine:
        if not mine:
            print(f'skipped {work_dir.name}: another process runs it')
            return
        if out.is_file():  # finished by another process meanwhile
            return
        command = [
            sys.executable, 'tools/train.py', METHODS[method], '--work-dir',
            str(work_dir), '--test-best', '--out', str(out), '--cfg-options',
            f'train_cfg.max_epochs={epochs}', f'randomness.seed={seed}',
            f'train_dataloader.dataset.noise_rate={noise}',
            'train_dataloader.dataset.noise_seed=0'
        ]
        env = dict(os.environ, OMP_NUM_THREADS='1')
        with open(work_dir / 'stdout.log', 'w') as log:
            done = subprocess.run(command, cwd=REPO, env=env, stdout=log,
                                  stderr=subprocess.STDOUT)
    if done.returncode != 0:
        print(f'FAILED {work_dir.name}: see {work_dir}/stdout.log')
    else:
        print(f'finished {work_dir.name}', flush=True)


def read_run(work_dir: Path) -> dict:
    """A finished run's test metrics and its best and last val R@1."""
    test = json.loads((work_dir / 'test_metrics.json').read_text())
    val = [json.loads(line)['retrieval/R1']
           for path in sorted(work_dir.glob('*/vis_data/scalars.json'))
           for line in path.read_text().splitlines()
           if 'retrieval/R1' in line]
    return dict(test={k: test[f'retrieval/{k}'] for k in METRICS},
                best_val=max(val), last_val=val[-1])


def finished_runs(root: Path, epochs: int) -> Tuple[Dict, List, List]:
    """Every finished run of ``epochs`` epochs under ``root``, by (method,
    noise rate), so a report covers all pieces the benchmark ran in."""
    results: Dict = {}
    for work_dir in sorted(root.glob(f'*_{epochs}e')):
        if not (work_dir / 'test_metrics.json').is_file():
            continue
        method, noise, _, _ = work_dir.name.rsplit('_', 3)
        rate = int(noise[len('noise'):]) / 100
        results.setdefault((method, rate), []).append(read_run(work_dir))
    noise_rates = sorted({rate for _, rate in results})
    seeds = sorted({int(d.parent.name.rsplit('_', 2)[1][len('seed'):])
                    for d in root.glob(f'*_{epochs}e/test_metrics.json')})
    return results, noise_rates, seeds


def spread(values: List[float]) -> str:
    mean = statistics.mean(values)
    if len(values) == 1:
        return f'{mean:.2f}'
    return f'{mean:.2f} ± {(max(values) - min(values)) / 2:.2f}'


def write_report(results: Dict, noise_rates, seeds, epochs: int,
                 out: Path) -> None:
    summary = json.loads((REPO / 'data/SynthPEDES/synthpedes_meta.json')
                         .read_text())['summary']
    lines = [
        f'Tiny CLIP recipes on SynthPEDES, {epochs} epochs, seeds {seeds}; '
        'test split, checkpoint chosen on val. Mean ± half-range over seeds.',
        f"Ceiling, the generator's oracle (a perfect attribute matcher): R1 "
        f"{summary['oracle_r1']:.2f}, mAP {summary['oracle_map']:.2f}; "
        f"chance R1 {summary['chance_r1']:.2f}.", '',
        '| method | noise | ' + ' | '.join(METRICS) +
        ' | best val R1 | last val R1 |',
        '|---' * (len(METRICS) + 4) + '|'
    ]
    for (method, noise), runs in sorted(results.items()):
        cells = [spread([r['test'][k] for r in runs]) for k in METRICS]
        cells += [spread([r['best_val'] for r in runs]),
                  spread([r['last_val'] for r in runs])]
        lines.append(f'| {method} | {round(noise * 100)} % | ' +
                     ' | '.join(cells) + ' |')
    out.write_text('\n'.join(lines) + '\n')
    print('\n'.join(lines))
    try:
        import matplotlib
        matplotlib.use('Agg')
        import matplotlib.pyplot as plt
    except ImportError:
        print('matplotlib is not installed: no plot')
        return
    figure, axis = plt.subplots(figsize=(6, 4))
    for method in sorted({m for m, _ in results}):
        rates = [n for n in noise_rates if (method, n) in results]
        axis.plot([100 * n for n in rates], [
            statistics.mean(r['test']['R1'] for r in results[(method, n)])
            for n in rates
        ], marker='o', label=method)
    axis.set(xlabel='noisy pairs (%)', ylabel='test R@1 (%)',
             title=f'SynthPEDES, tiny CLIP, {epochs} epochs')
    axis.legend()
    figure.savefig(out.with_suffix('.png'), dpi=120, bbox_inches='tight')


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--methods', nargs='+', choices=sorted(METHODS),
                        default=['sdm', 'rde', 'amns'])
    parser.add_argument('--noise', nargs='+', type=float,
                        default=[0.0, 0.2, 0.5, 0.8])
    parser.add_argument('--ablations', nargs='*', choices=ABLATIONS,
                        default=list(ABLATIONS),
                        help="AMNS's single ablations, at --ablation-noise; "
                        'give the option alone for none')
    parser.add_argument('--ablation-noise', nargs='+', type=float,
                        default=[0.5])
    parser.add_argument('--seeds', nargs='+', type=int, default=[0, 1])
    parser.add_argument('--epochs', type=int, default=30)
    parser.add_argument('--jobs', type=int, default=2,
                        help='runs in parallel (one CPU thread each)')
    parser.add_argument('--quick', action='store_true',
                        help='sdm, rde, amns at 0 and 50 %% noise, one '
                        'seed, 5 epochs, no ablations')
    parser.add_argument('--out', default='docs/benchmarks/noise_robustness.md')
    args = parser.parse_args(argv)
    if args.quick:
        args.methods, args.noise, args.seeds, args.epochs = (
            ['sdm', 'rde', 'amns'], [0.0, 0.5], [0], 5)
        args.ablations = []
    if not (REPO / 'data/SynthPEDES/reid_raw.json').is_file():
        from amnsfw.datasets.synthpedes import generate_synthpedes
        generate_synthpedes(str(REPO / 'data'))
    root = REPO / 'work_dirs' / 'noise_robustness'
    grid = [(m, n, s) for m in args.methods for n in args.noise
            for s in args.seeds]
    grid += [(m, n, s) for m in args.ablations for n in args.ablation_noise
             for s in args.seeds]
    with ThreadPoolExecutor(args.jobs) as pool:
        list(pool.map(lambda job: train(*job, args.epochs, root), grid))
    results, noise_rates, seeds = finished_runs(root, args.epochs)
    out = REPO / args.out
    out.parent.mkdir(parents=True, exist_ok=True)
    write_report(results, noise_rates, seeds, args.epochs, out)


if __name__ == '__main__':
    main()
