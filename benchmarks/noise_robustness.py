"""Noise robustness on SynthPEDES, in the papers' regime.

Every tiny recipe fine-tunes the model zoo's pretrained tiny CLIP
(``tinyclip-synthpedes``) on SynthPEDES with injected noisy correspondences,
as IRRA, RDE and AMNS fine-tune CLIP on CUHK-PEDES. The regime: a
SynthPEDES of 250 train identities (1,000 images, 2,000 pairs; val and test
as the main data set's sizes) and a 100-epoch cosine schedule, so that the
tiny model, like CLIP on the real sets, first fits the clean pairs and then
memorises the noisy ones (on the 1,000-identity set over 30 epochs it
memorised under 0.5 % of them; docs/benchmarks.md). Each run (method, noise
rate, seed) trains with ``tools/train.py`` and records:

* test R@1/5/10, mAP, mINP of the checkpoint chosen on val ("best") and of
  the final weights ("last": where memorised noise shows);
* per epoch, val R@1 and :class:`~amnsfw.engine.MemorisationHook`'s share of
  noisy training pairs memorised (and clean pairs fitted).

Methods: ``sdm`` (SDM alone), ``irra``, ``rde``, ``amns``, AMNS's single
ablations, its other readings (``amns-drophigh`` etc., run only when named
in ``--methods``), and ``clean-oracle``: the SDM-only recipe trained on the
pairs the noise left clean (RDE's CLIP-C), an upper bound that knows the
noise.
The report (markdown + PNGs) gives mean ± sample standard deviation over
seeds, and calls two results different only when their means differ by more
than twice the larger standard deviation::

    .venv/bin/python benchmarks/noise_robustness.py              # full grid
    .venv/bin/python benchmarks/noise_robustness.py --quick
    .venv/bin/python benchmarks/noise_robustness.py --methods sdm \\
        clean-oracle --noise 0 0.5 --seeds 0 --ablations

A finished run writes its record (test metrics, per-epoch curves, wall
time, commit) to ``docs/benchmarks/noise_robustness_runs/<run>.json``;
recorded runs are skipped and an interrupted run resumes from its latest
checkpoint, so a grid can run in pieces, on one machine or on several whose
records are committed. A run in progress holds a lock on its work dir, so
several invocations may share one grid. ``--report-only`` writes the report
from the records. Runs go to ``work_dirs/noise_robustness``; each run's
exact config is its ``run_config.py``. ``--quick`` keeps its records and
report under ``work_dirs``. The grid's logic is
:mod:`amnsfw.analysis.noise_grid`.
"""
import argparse
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from amnsfw.analysis.noise_grid import (ABLATIONS, DATA_ROOT, DEFAULT_EPOCHS,
                                        MAIN_METHODS, METHODS, RECORDS_DIR,
                                        RUNS_DIR, TRAIN_IDS, estimate_hours,
                                        finished_runs, plan_grid, record_path,
                                        train_run, write_report)
from amnsfw.datasets.synthpedes import generate_synthpedes

REPO = Path(__file__).resolve().parents[1]


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--methods', nargs='+', choices=sorted(METHODS),
                        default=list(MAIN_METHODS))
    parser.add_argument('--noise', nargs='+', type=float,
                        default=[0.0, 0.2, 0.5, 0.8])
    parser.add_argument('--ablations', nargs='*', choices=ABLATIONS,
                        default=list(ABLATIONS),
                        help="AMNS's single ablations, at --ablation-noise; "
                        'give the option alone for none')
    parser.add_argument('--ablation-noise', nargs='+', type=float,
                        default=[0.5, 0.8])
    parser.add_argument('--seeds', nargs='+', type=int, default=[0, 1, 2])
    parser.add_argument('--epochs', type=int, default=DEFAULT_EPOCHS)
    parser.add_argument('--jobs', type=int, default=2,
                        help='runs in parallel')
    parser.add_argument('--threads', type=int, default=1,
                        help='CPU threads per run')
    parser.add_argument('--quick', action='store_true',
                        help='sdm and clean-oracle at 0 and 50 %% noise, '
                        'one seed, 6 epochs, no ablations')
    parser.add_argument('--report-only', action='store_true',
                        help='write the report of the finished runs only')
    parser.add_argument('--out', help='the report (default '
                        'docs/benchmarks/noise_robustness.md; with --quick '
                        f'{RUNS_DIR}_quick.md)')
    parser.add_argument('--records', help='where finished runs are '
                        f'recorded (default {RECORDS_DIR}; with --quick '
                        f'{RUNS_DIR}/quick_records)')
    args = parser.parse_args(argv)
    if args.quick:
        args.methods, args.noise, args.seeds, args.epochs = (
            ['sdm', 'clean-oracle'], [0.0, 0.5], [0], 6)
        args.ablations = []
    out = REPO / (args.out or (f'{RUNS_DIR}_quick.md' if args.quick else
                               'docs/benchmarks/noise_robustness.md'))
    records = REPO / (args.records or (f'{RUNS_DIR}/quick_records'
                                       if args.quick else RECORDS_DIR))
    generate_synthpedes(str(REPO / DATA_ROOT), num_train_ids=TRAIN_IDS)
    grid = plan_grid(args.methods, args.noise, args.ablations,
                     args.ablation_noise, args.seeds)
    to_run = [job for job in grid
              if not record_path(records, *job, args.epochs).is_file()]
    hours = estimate_hours(to_run, records, args.epochs, args.jobs)
    print(f'{len(grid)} runs of {args.epochs} epochs, {len(to_run)} not '
          'recorded yet' + (f', about {hours:.1f} h at the measured speed'
                            if hours else ''), flush=True)
    if not args.report_only:
        with ThreadPoolExecutor(args.jobs) as pool:
            list(pool.map(
                lambda job: train_run(REPO, *job, args.epochs, args.threads,
                                      records), to_run))
    results = finished_runs(records, args.epochs)
    if not results:
        raise SystemExit(f'no run of {args.epochs} epochs recorded in '
                         f'{records}')
    out.parent.mkdir(parents=True, exist_ok=True)
    write_report(REPO, results, args.epochs, out)


if __name__ == '__main__':
    main()
