"""The noise-robustness grid (``benchmarks/noise_robustness.py``): the
methods and their recipes, one run's config, training it resumably under a
lock, reading the finished runs, and the report.

Every tiny recipe fine-tunes the model zoo's pretrained tiny CLIP on a
SynthPEDES of :data:`TRAIN_IDS` train identities for
:data:`DEFAULT_EPOCHS` epochs, with injected noisy correspondences; paths
are relative to the repository checkout ``repo`` (the recipes live there,
not in the installed package).

A finished run leaves a *record* (:func:`write_record`): one small JSON
file with its test metrics, per-epoch curves, wall time and the commit it
ran on. Records, not work dirs, are what the grid skips and the report
reads, so they can be committed and a grid too long for one machine's
night can be run in pieces on several, each adding its records.
"""
import contextlib
import fcntl
import itertools
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

from amnsfw.analysis.scalars_log import epoch_scalars
from amnsfw.analysis.seed_statistics import cell, compare
from amnsfw.visualization.noise_curves import plot_noise_curves

RDE = 'plugins/rde/configs/'
AMNS = 'plugins/amns/configs/'
METHODS = {
    'sdm': 'configs/sdm/sdm_tinyclip_30e_synthpedes.py',
    'clean-oracle': 'configs/sdm/sdm_tinyclip_30e_synthpedes.py',
    'irra': 'configs/irra/irra_tinyclip_30e_synthpedes.py',
    'rde': RDE + 'rde_tinyclip_30e_synthpedes.py',
    'amns': AMNS + 'amns_tinyclip_30e_synthpedes.py',
    'amns-randmask': AMNS + 'amns-randmask_tinyclip_30e_synthpedes.py',
    'amns-nomask': AMNS + 'amns-nomask_tinyclip_30e_synthpedes.py',
    'amns-sdm': AMNS + 'amns-sdm_tinyclip_30e_synthpedes.py',
    'amns-nowaf': AMNS + 'amns-nowaf_tinyclip_30e_synthpedes.py',
    'amns-noid': AMNS + 'amns-noid_tinyclip_30e_synthpedes.py',
    'amns-drophigh': AMNS + 'amns-drophigh_tinyclip_30e_synthpedes.py',
    'amns-alllayers': AMNS + 'amns-alllayers_tinyclip_30e_synthpedes.py',
    'amns-emaconst': AMNS + 'amns-emaconst_tinyclip_30e_synthpedes.py',
    'amns-beta3': AMNS + 'amns-beta3_tinyclip_30e_synthpedes.py',
    'amns-gamma0': AMNS + 'amns-gamma0_tinyclip_30e_synthpedes.py',
    'amns-wafnorm': AMNS + 'amns-wafnorm_tinyclip_30e_synthpedes.py',
    'amns-bsdmonly': AMNS + 'amns-bsdmonly_tinyclip_30e_synthpedes.py',
    'amns-sdmonly': AMNS + 'amns-sdmonly_tinyclip_30e_synthpedes.py',
    'amns-bsdmnomask': AMNS + 'amns-bsdmnomask_tinyclip_30e_synthpedes.py',
    'amns-sdmwaf': AMNS + 'amns-sdmwaf_tinyclip_30e_synthpedes.py',
    'amns-sdmid': AMNS + 'amns-sdmid_tinyclip_30e_synthpedes.py',
}
MAIN_METHODS = ('sdm', 'irra', 'rde', 'amns', 'clean-oracle')
ABLATIONS = ('amns-randmask', 'amns-nomask', 'amns-sdm', 'amns-nowaf',
             'amns-noid')
#: Other readings of AMNS's parts (plugins/amns/README.md), one option each;
#: run on demand with ``--methods``.
READINGS = ('amns-drophigh', 'amns-alllayers', 'amns-emaconst', 'amns-beta3',
            'amns-gamma0', 'amns-wafnorm', 'amns-bsdmonly', 'amns-sdmonly',
            'amns-bsdmnomask', 'amns-sdmwaf', 'amns-sdmid')
#: The pairs the report tests by the 2-sigma rule, ``(a, b)`` read as
#: "a against b": every two main methods (the later in MAIN_METHODS against
#: the earlier), AMNS with each of its ablations and readings, and the
#: readings that split one difference in two with the run each differs
#: from by one line.
COMPARED = (
    *itertools.combinations(reversed(MAIN_METHODS), 2),
    *(('amns', other) for other in ABLATIONS + READINGS),
    ('amns-sdmonly', 'sdm'), ('amns-bsdmnomask', 'sdm'),
    ('amns-sdmwaf', 'amns-sdmonly'), ('amns-sdmid', 'amns-sdmonly'))
METRICS = ('R1', 'R5', 'R10', 'mAP', 'mINP')
#: Where the runs go, relative to the repository.
RUNS_DIR = 'work_dirs/noise_robustness'
#: Where finished runs' records go (committed), relative to the repository.
RECORDS_DIR = 'docs/benchmarks/noise_robustness_runs'
# The regime's data set: SynthPEDES with fewer train identities, generated
# once under DATA_ROOT (tools/generate_synthpedes.py --root data/noise_regime
# --train-ids 250 makes the same).
TRAIN_IDS = 250
DATA_ROOT = 'data/noise_regime'  # relative to the repository
DEFAULT_EPOCHS = 100



def run_name(method: str, noise: float, seed: int, epochs: int) -> str:
    """The run's work-dir name, e.g. ``sdm_noise50_seed0_100e``."""
    return f'{method}_noise{round(noise * 100)}_seed{seed}_{epochs}e'


def run_config(repo: Path, method: str, noise: float, seed: int,
               epochs: int):
    """The method's recipe for one run: ``epochs`` epochs (the cosine
    schedule stretched to them), the regime's data set, the seed, the
    noise (drawn with seed 0, the same pairs for every method and seed),
    the memorisation probe and, for ``clean-oracle``, only the clean
    pairs."""
    from mmengine.config import Config
    cfg = Config.fromfile(str(repo / METHODS[method]))
    schedule_end = cfg.train_cfg.max_epochs
    cfg.train_cfg.max_epochs = epochs
    for scheduler in cfg.param_scheduler:
        if scheduler.get('end') == schedule_end:
            scheduler.end = epochs
    cfg.randomness.seed = seed
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        cfg[loader].dataset.data_root = f'{DATA_ROOT}/SynthPEDES'
    if 'num_classes' in cfg.model:  # IDLoss: one class per train identity
        cfg.model.num_classes = TRAIN_IDS
    dataset = cfg.train_dataloader.dataset
    dataset.noise_rate, dataset.noise_seed = noise, 0
    if method == 'clean-oracle':
        dataset.clean_pairs_only = True
    cfg.custom_hooks = list(cfg.get('custom_hooks', [])) + [
        dict(type='MemorisationHook')
    ]
    return cfg


def record_path(records: Path, method: str, noise: float, seed: int,
                epochs: int) -> Path:
    """Where the run's record lives (or will) in ``records``."""
    return records / f'{run_name(method, noise, seed, epochs)}.json'


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


def train_run(repo: Path, method: str, noise: float, seed: int,
              epochs: int, threads: int, records: Path) -> None:
    """Train and test one run, resuming it if it was interrupted, and
    write its record into ``records``; skipped when the record exists or
    another process runs it. A run finished before its record was written
    only gets the record."""
    record = record_path(records, method, noise, seed, epochs)
    if record.is_file():
        return
    name = record.stem
    work_dir = repo / RUNS_DIR / name
    done = work_dir / 'test_best.json'
    with run_lock(work_dir) as mine:
        if not mine:
            print(f'skipped {name}: another process runs it')
            return
        if record.is_file():  # finished by another process meanwhile
            return
        if done.is_file():
            write_record(repo, work_dir, record)
            return
        config = work_dir / 'run_config.py'
        run_config(repo, method, noise, seed, epochs).dump(str(config))
        started = work_dir / 'commit.txt'
        if not started.is_file():  # a resumed run keeps its first commit
            started.write_text(current_commit(repo) + '\n')
        command = [
            sys.executable, 'tools/train.py', str(config), '--work-dir',
            str(work_dir), '--resume', '--test-last', '--out-last',
            str(work_dir / 'test_last.json'), '--test-best', '--out',
            str(done)
        ]
        env = dict(os.environ, OMP_NUM_THREADS=str(threads))
        start = time.time()
        with open(work_dir / 'stdout.log', 'a') as log:
            finished = subprocess.run(command, cwd=repo, env=env, stdout=log,
                                      stderr=subprocess.STDOUT)
        if finished.returncode == 0:
            (work_dir / 'wall_seconds.txt').write_text(
                f'{time.time() - start:.0f}\n')
            write_record(repo, work_dir, record)
    if finished.returncode != 0:
        print(f'FAILED {work_dir.name}: see {work_dir}/stdout.log')
    else:
        print(f'finished {work_dir.name}', flush=True)


def read_run(work_dir: Path) -> dict:
    """A finished run: best and last test metrics, per-epoch curves."""
    tests = {
        which: json.loads((work_dir / f'test_{which}.json').read_text())
        for which in ('best', 'last')
    }
    epochs = epoch_scalars(str(work_dir))
    return dict(
        best={k: tests['best'][f'retrieval/{k}'] for k in METRICS},
        last={k: tests['last'][f'retrieval/{k}'] for k in METRICS},
        val_r1=[e['retrieval/R1'] for e in epochs],
        noisy_top1=[e.get('memorisation/noisy_top1') for e in epochs],
        clean_top1=[e.get('memorisation/clean_top1') for e in epochs])


def current_commit(repo: Path) -> str:
    """``repo``'s HEAD commit, or ``''`` outside a git checkout."""
    return subprocess.run(['git', 'rev-parse', 'HEAD'], cwd=repo,
                          capture_output=True, text=True).stdout.strip()


def write_record(repo: Path, work_dir: Path, record: Path) -> None:
    """The finished run in ``work_dir`` as one JSON file: :func:`read_run`
    plus the wall seconds of the invocation that finished it (the whole
    run's unless it resumed) and the commit the run started on (its
    ``commit.txt``; a work dir from before that file gets ``repo``'s
    current commit). Written whole, then renamed, so a record on disk is
    always complete."""
    wall = work_dir / 'wall_seconds.txt'
    started = work_dir / 'commit.txt'
    commit = (started.read_text().strip() if started.is_file() else
              current_commit(repo))
    content = dict(read_run(work_dir), run=work_dir.name,
                   wall_seconds=(float(wall.read_text())
                                 if wall.is_file() else None),
                   commit=commit or None)
    record.parent.mkdir(parents=True, exist_ok=True)
    partial = record.with_suffix('.json.partial')
    partial.write_text(json.dumps(content, indent=1) + '\n')
    partial.replace(record)


def finished_runs(records: Path,
                  epochs: int) -> Dict[Tuple[str, float], list]:
    """Every run of ``epochs`` epochs recorded in ``records``, by (method,
    noise rate), so a report covers all pieces the grid ran in."""
    results: Dict = {}
    for path in sorted(records.glob(f'*_{epochs}e.json')):
        method, noise, _, _ = path.stem.rsplit('_', 3)
        rate = int(noise[len('noise'):]) / 100
        results.setdefault((method, rate),
                           []).append(json.loads(path.read_text()))
    return results


def grid_table(results: Dict, methods: Sequence[str],
               noise_rates: Sequence[float]) -> List[str]:
    """Test R@1, best / last, one row per method, one column pair per
    noise rate."""
    header = '| method | ' + ' | '.join(
        f'{round(n * 100)} % best | {round(n * 100)} % last'
        for n in noise_rates) + ' |'
    lines = [header, '|---' * (1 + 2 * len(noise_rates)) + '|']
    for method in methods:
        cells = []
        for noise in noise_rates:
            runs = results.get((method, noise))
            cells += ([cell([r[w]['R1'] for r in runs])
                       for w in ('best', 'last')] if runs else ['', ''])
        if any(cells):
            lines.append(f'| {method} | ' + ' | '.join(cells) + ' |')
    return lines


def comparisons(results: Dict, noise_rates: Sequence[float]) -> List[str]:
    """Each pair of :data:`COMPARED` that both have runs at a noise rate:
    best and last test R@1, called by :func:`compare`."""
    lines = []
    for first, second in COMPARED:
        for noise in noise_rates:
            a, b = results.get((first, noise)), results.get((second, noise))
            if not a or not b:
                continue
            marks = []
            for which in ('best', 'last'):
                va = [r[which]['R1'] for r in a]
                vb = [r[which]['R1'] for r in b]
                delta = statistics.mean(va) - statistics.mean(vb)
                marks.append(f'{compare(va, vb)} ({delta:+.2f})')
            lines.append(f'| {first} vs {second} | {round(noise * 100)} % | '
                         + ' | '.join(marks) + ' |')
    if not lines:
        return []
    return [
        'Differences: `>`/`<` where the means differ by more than twice the '
        'larger standard deviation, `≈` where they do not, `?` with fewer '
        'than two seeds on either side; the difference of means in '
        'brackets.', '', '| comparison | noise | best R1 | last R1 |',
        '|---|---|---|---|', *lines, ''
    ]


def write_report(repo: Path, results: Dict, epochs: int, out: Path) -> None:
    """The markdown report and its curves (``<out>_r1.png``,
    ``<out>_memorisation.png``)."""
    noise_rates = sorted({n for _, n in results})
    seeds = sorted({len(runs) for runs in results.values()})
    summary = json.loads((repo / DATA_ROOT / 'SynthPEDES/synthpedes_meta.json')
                         .read_text())['summary']
    methods = [m for m in MAIN_METHODS + ABLATIONS + READINGS
               if any(m == k[0] for k in results)]
    lines = [
        'Tiny CLIP from the model zoo fine-tuned on SynthPEDES with '
        f'{TRAIN_IDS} train identities, {epochs} epochs; '
        f'{"/".join(map(str, seeds))} seed(s) per cell; test R@1 of '
        'the checkpoint chosen on val (best) and of the final weights (last),'
        ' mean ± sample standard deviation over seeds. Oracle R@1 '
        f"{summary['oracle_r1']:.2f}, chance {summary['chance_r1']:.2f}.",
        '', *grid_table(results, methods, noise_rates), '',
        *comparisons(results, noise_rates),
        'Noisy training pairs memorised (own image ranked first for the '
        'caption, %) at the last epoch, and its peak:', '',
        '| method | noise | memorised (last) | memorised (peak) | clean '
        'fitted (last) |', '|---|---|---|---|---|'
    ]
    for (method, noise), runs in sorted(results.items()):
        if noise == 0 or runs[0]['noisy_top1'][-1] is None:
            continue
        lines.append(
            f'| {method} | {round(noise * 100)} % | '
            f"{cell([r['noisy_top1'][-1] for r in runs])} | "
            f"{cell([max(r['noisy_top1']) for r in runs])} | "
            f"{cell([r['clean_top1'][-1] for r in runs])} |")
    out.write_text('\n'.join(lines) + '\n')
    print('\n'.join(lines))
    plot_noise_curves(results, noise_rates, out, methods)


def estimate_hours(grid: Sequence[tuple], records: Path, epochs: int,
                   jobs: int) -> Optional[float]:
    """Wall hours the grid needs at the measured seconds per epoch of the
    recorded runs of each method (None before any was timed)."""
    per_epoch: Dict[str, List[float]] = {}
    for path in records.glob('*.json'):
        seconds = json.loads(path.read_text()).get('wall_seconds')
        if seconds is None:
            continue
        method, _, _, length = path.stem.rsplit('_', 3)
        per_epoch.setdefault(method, []).append(seconds / int(length[:-1]))
    if not per_epoch:
        return None
    fallback = max(statistics.mean(v) for v in per_epoch.values())
    seconds = sum(statistics.mean(per_epoch.get(m, [fallback])) * epochs
                  for m, _, _ in grid)
    return seconds / jobs / 3600


def plan_grid(methods: Sequence[str], noise_rates: Sequence[float],
              ablations: Sequence[str], ablation_noise: Sequence[float],
              seeds: Sequence[int]) -> List[Tuple[str, float, int]]:
    """The (method, noise rate, seed) of every run: the methods at every
    rate, the ablations at theirs; the clean-only oracle at 0 % noise is the
    SDM-only run itself, so it is left out."""
    grid = [(m, n, s) for m in methods for n in noise_rates for s in seeds
            if not (m == 'clean-oracle' and n == 0)]
    return grid + [(m, n, s) for m in ablations for n in ablation_noise
                   for s in seeds]
