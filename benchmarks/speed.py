"""Speed and memory, end to end: training steps, data loading, and search.

Three measurements, written as one markdown report with a PNG::

    .venv/bin/python benchmarks/speed.py             # all three (~15 min, CPU)
    .venv/bin/python benchmarks/speed.py --quick     # tiny model only (~3 min)
    .venv/bin/python benchmarks/speed.py --device cuda

1. **Training steps**: samples/s and peak memory of forward + backward +
   optimiser step for the tiny SynthPEDES model and the real-size CLIP
   ViT-B/16 (random weights), without masking, with random patch dropping
   and with AMNS's attention-weighted mask, in fp32 and mixed precision
   (bf16 autocast on a CPU; bf16 and fp16 on a GPU). Each configuration runs
   ``backbone_speed.py`` in a fresh process, so peak memory is its own.
2. **Data loading alone**: samples/s of the main job's training data loader
   (SynthPEDES, decoding, resizing, flipping, tokenising, identity-balanced
   sampling, collation) at 0, 1 and 2 worker processes, with no model.
3. **Search against gallery size**: seconds to embed a gallery of images
   and twice as many captions with the tiny model, and to rank every
   caption against the gallery with the chunked retrieval metric.

Every timing depends on the load of the machine: run it on an idle one.
"""
import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import List

import torch

REPO = Path(__file__).resolve().parents[1]
MAIN_CONFIG = REPO / 'configs/itc/itc_tinyclip_8e_synthpedes.py'
#: (size, batch size, measured steps) of each model in the training table.
TRAIN_SIZES = {'tiny': (64, 10), 'vitb16': (8, 2)}
MASKS = ('none', 'random', 'awm')
#: Gallery sizes (images) of the search measurement; queries are twice as
#: many captions, as SynthPEDES and CUHK-PEDES have two per image.
GALLERY_SIZES = (1_000, 4_000, 16_000)


def amp_modes(device: str) -> List[str]:
    """Precisions worth timing: fp32, plus what autocast offers there."""
    return ['fp32', 'bf16', 'fp16'] if device.startswith('cuda') else [
        'fp32', 'bf16']


def training_speed(sizes: List[str], device: str, threads: int) -> List[dict]:
    """One ``backbone_speed.py`` process per (size, mask, precision)."""
    rows = []
    for size in sizes:
        batch, steps = TRAIN_SIZES[size]
        for amp in amp_modes(device):
            for mask in MASKS:
                command = [
                    sys.executable, str(REPO / 'benchmarks/backbone_speed.py'),
                    '--size', size, '--device', device, '--batch-size',
                    str(batch), '--steps', str(steps), '--mask', mask, '--json'
                ] + ([] if amp == 'fp32' else ['--amp', amp])
                done = subprocess.run(
                    command, capture_output=True, text=True, check=False,
                    env=dict(os.environ, OMP_NUM_THREADS=str(threads)))
                if done.returncode != 0:
                    raise RuntimeError(f'{" ".join(command)} failed:\n'
                                       f'{done.stderr[-2000:]}')
                figures = json.loads(done.stdout.strip().splitlines()[-1])
                rows.append(dict(size=size, amp=amp, mask=mask, batch=batch,
                                 **figures))
                print(f'train {size:>6} {amp:>4} mask={mask:<6} '
                      f'{figures["samples_per_s"]:8.2f} samples/s '
                      f'{figures["peak_mib"]:7.0f} MiB', flush=True)
    return rows


def _load_main_config():
    """The main job's config (its data paths are relative to the repo,
    where :func:`main` runs)."""
    from mmengine.config import Config
    from mmengine.registry import DefaultScope

    import amnsfw  # noqa: F401  (registers the components)
    if not (REPO / 'data/SynthPEDES/reid_raw.json').is_file():
        from amnsfw.datasets.synthpedes import generate_synthpedes
        generate_synthpedes(str(REPO / 'data'))
    cfg = Config.fromfile(str(MAIN_CONFIG))
    if DefaultScope.get_current_instance() is None:
        DefaultScope.get_instance('speed_benchmark', scope_name='amnsfw')
    return cfg


def loader_speed(workers: List[int], batches: int) -> List[dict]:
    """Samples/s of the main job's train loader, model-free."""
    from mmengine.runner import Runner
    cfg = _load_main_config()
    rows = []
    for num_workers in workers:
        loader_cfg = cfg.train_dataloader.copy()
        loader_cfg.update(num_workers=num_workers,
                          persistent_workers=num_workers > 0)
        loader = Runner.build_dataloader(loader_cfg, seed=0)
        iterator = iter(loader)
        next(iterator)  # worker start-up and the first batch
        start = time.perf_counter()
        samples = 0
        for _ in range(batches):
            samples += len(next(iterator)['inputs']['images'])
        seconds = time.perf_counter() - start
        rows.append(dict(workers=num_workers, samples_per_s=samples / seconds))
        print(f'loader workers={num_workers} {samples / seconds:8.1f} '
              'samples/s', flush=True)
        del iterator, loader
    return rows


@torch.no_grad()
def search_speed(gallery_sizes: List[int], device: str) -> List[dict]:
    """Embedding and ranking time of the tiny model by gallery size."""
    from amnsfw.apis import init_model
    from amnsfw.evaluation.functional import retrieval_metrics
    from amnsfw.testing import caption_inputs
    cfg = _load_main_config()
    model = init_model(cfg, device=device)
    height, width = cfg.model.image_encoder.image_size
    data_root = REPO / cfg.train_dataloader.dataset.data_root
    records = json.loads((data_root / 'reid_raw.json').read_text())
    captions = [c for r in records for c in r['captions']][:512]
    text = {k: v.to(device)
            for k, v in caption_inputs(model.tokenizer, captions).items()}
    images = torch.rand(256, 3, height, width, device=device)
    rows = []
    for gallery in gallery_sizes:
        queries = 2 * gallery
        start = time.perf_counter()
        image_feats = torch.cat([
            model.extract_feat(dict(images=images))['image_embeds']
            for _ in range(-(-gallery // len(images)))
        ])[:gallery]
        image_seconds = time.perf_counter() - start
        start = time.perf_counter()
        text_feats = torch.cat([
            model.extract_feat(text)['text_embeds']
            for _ in range(-(-queries // len(captions)))
        ])[:queries]
        text_seconds = time.perf_counter() - start
        gallery_pids = torch.arange(gallery) // 4
        query_pids = gallery_pids[torch.randint(0, gallery, (queries, ))]
        start = time.perf_counter()
        retrieval_metrics(text_feats.cpu(), image_feats.cpu(), query_pids,
                          gallery_pids)
        metric_seconds = time.perf_counter() - start
        rows.append(dict(gallery=gallery, queries=queries,
                         image_seconds=image_seconds,
                         text_seconds=text_seconds,
                         metric_seconds=metric_seconds))
        print(f'search gallery={gallery:>6} images {image_seconds:6.2f} s, '
              f'{queries} captions {text_seconds:6.2f} s, metric '
              f'{metric_seconds:6.2f} s', flush=True)
    return rows


def write_report(train: List[dict], loader: List[dict], search: List[dict],
                 header: str, out: Path) -> None:
    lines = [header, '', '## Training steps (forward + backward + step)', '',
             '| model | batch | precision | mask | samples/s | peak MiB |',
             '|---|---|---|---|---|---|']
    lines += [f"| {r['size']} | {r['batch']} | {r['amp']} | {r['mask']} | "
              f"{r['samples_per_s']:.2f} | {r['peak_mib']:.0f} |"
              for r in train]
    lines += ['', '## Training data loader alone (main job, SynthPEDES)', '',
              '| workers | samples/s |', '|---|---|']
    lines += [f"| {r['workers']} | {r['samples_per_s']:.0f} |" for r in loader]
    lines += ['', '## Search with the tiny model against gallery size', '',
              '| gallery images | caption queries | embed images s | '
              'embed captions s | rank (metric) s |', '|---|---|---|---|---|']
    lines += [f"| {r['gallery']:,} | {r['queries']:,} | "
              f"{r['image_seconds']:.2f} | {r['text_seconds']:.2f} | "
              f"{r['metric_seconds']:.2f} |" for r in search]
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text('\n'.join(lines) + '\n')
    print('\n'.join(lines))
    plot(train, search, out.with_suffix('.png'))


def plot(train: List[dict], search: List[dict], path: Path) -> None:
    try:
        import matplotlib
        matplotlib.use('Agg')
        import matplotlib.pyplot as plt
    except ImportError:
        print('matplotlib is not installed: no plot')
        return
    figure, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    labels = [f"{r['size']}\n{r['amp']}\n{r['mask']}" for r in train]
    left.bar(range(len(train)), [r['samples_per_s'] for r in train])
    left.set_xticks(range(len(train)), labels, fontsize=7)
    left.set(ylabel='training samples/s', yscale='log',
             title='training step speed')
    if search:
        sizes = [r['gallery'] for r in search]
        for key, label in (('image_seconds', 'embed images'),
                           ('text_seconds', 'embed captions (2 per image)'),
                           ('metric_seconds', 'rank all captions')):
            right.plot(sizes, [r[key] for r in search], marker='o',
                       label=label)
        right.set(xscale='log', yscale='log', xlabel='gallery images',
                  ylabel='seconds', title='search, tiny model')
        right.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=120)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--threads', type=int, default=1,
                        help='torch threads of every measurement. '
                        'Defaults to 1.')
    parser.add_argument('--quick', action='store_true',
                        help='tiny model only, galleries up to 4,000')
    parser.add_argument('--loader-batches', type=int, default=30)
    parser.add_argument('--out', default='docs/benchmarks/speed.md')
    args = parser.parse_args(argv)
    os.chdir(REPO)
    torch.set_num_threads(args.threads)
    sizes = ['tiny'] if args.quick else ['tiny', 'vitb16']
    galleries = [g for g in GALLERY_SIZES if not args.quick or g <= 4_000]
    train = training_speed(sizes, args.device, args.threads)
    loader = loader_speed([0, 1, 2], args.loader_batches)
    search = search_speed(galleries, args.device)
    quick = ' --quick' if args.quick else ''
    header = (f'Measured by `benchmarks/speed.py{quick}`'
              f' on {args.device} with {args.threads} torch thread(s), '
              f'torch {torch.__version__}; random weights. AWM is AMNS\'s '
              'attention-weighted mask, random is RandomTokenMasker, both '
              'dropping half the patches.')
    write_report(train, loader, search, header, REPO / args.out)


if __name__ == '__main__':
    main()
