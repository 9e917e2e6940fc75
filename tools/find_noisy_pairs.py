"""Rank the training pairs of a data set by how mislabelled they look.

Scores every (image, caption) pair of the config's train split with a
trained checkpoint and writes the pairs, most suspicious first::

    python tools/find_noisy_pairs.py \\
        plugins/rde/configs/rde_tinyclip_30e_synthpedes_noise50.py \\
        work_dirs/rde_tinyclip_30e_synthpedes_noise50/epoch_30.pth \\
        --signal ccd --top 50

Usage::

    python tools/find_noisy_pairs.py CONFIG CHECKPOINT
        [--signal {loss,rank,ccd}] [--top N] [--out-dir DIR]
        [--batch-size B] [--num-workers W] [--tau T] [--device cpu]
        [--cfg-options key=value ...]

The train split is read in order without augmentation: the test image
pipeline (``test_dataloader.dataset.image_pipeline``) and a plain
``TokenizeCaption`` with the model's tokenizer; consecutive pairs form the
batches (``--batch-size``, default the train loader's). Signals, larger
meaning more suspicious:

* ``loss``: the pair's loss in its batch: the mean over the loss heads that
  have ``per_pair_loss`` (RDE's ``TALLoss``), or, for a model without
  one, the identity-aware InfoNCE of :func:`identity_infonce`;
* ``rank``: the rank of the pair's own image among all training images for
  its caption (1 = first), by the evaluation's similarity (cosine averaged
  over the model's named embeddings), ties counted against the pair;
* ``ccd``: ``1 - p_clean``, RDE's clean posterior under a two-component
  Gaussian mixture over each head's per-pair losses, the smallest over the
  heads (RDE calls a pair clean only when every head does). Needs the RDE
  plugin (``amnsfw-rde``) and scikit-learn.

Writes to ``--out-dir`` (default ``work_dirs/find_noisy_pairs/<config
name>``): ``suspects.csv`` (every pair: ``rank, pair_index, image_path,
caption, person_id, score`` and, when the data set injected its noise
(``noise_rate > 0``), ``injected_noise``), ``suspects.html`` (the top N with
thumbnails) and, when the noise is known, ``metrics.json``: precision@N,
recall@N and AUROC of the score for the injected noise, also printed.
"""
import argparse
import base64
import csv
import html
import importlib
import io
import json
import os
import os.path as osp
import sys
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch
from mmengine.config import Config, DictAction
from PIL import Image, ImageOps

from amnsfw.apis import TextImageSearcher
from amnsfw.cli_errors import add_debug_argument, run_tool
from amnsfw.datasets import AnnotationError, PersonSearchDataset
from amnsfw.evaluation.functional.noise_detection import (auroc,
                                                          descending_order,
                                                          precision_at_k,
                                                          recall_at_k)
from amnsfw.evaluation.functional.ranking_metrics import similarity
from amnsfw.evaluation.pair_scoring import (build_unaugmented_train_set,
                                            collect_embeddings,
                                            iter_pair_features,
                                            own_image_ranks)

SIGNALS = ('loss', 'rank', 'ccd')
#: Temperature of the fallback loss when no loss head has one (IRRA's).
DEFAULT_TAU = 0.02
#: Size of a thumbnail of the contact sheet, in pixels.
THUMBNAIL = (64, 128)
CSV_COLUMNS = ('rank', 'pair_index', 'image_path', 'caption', 'person_id',
               'score')


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    """Parse the command line.

    Args:
        argv (Sequence[str], optional): Arguments; None reads ``sys.argv``.
            Defaults to None.

    Returns:
        argparse.Namespace: The parsed options.
    """
    parser = argparse.ArgumentParser(
        description='Rank the training pairs by how mislabelled they look.')
    parser.add_argument('config', help='experiment config file')
    parser.add_argument('checkpoint', help='trained checkpoint')
    parser.add_argument('--signal', choices=SIGNALS, default='loss',
                        help='what scores a pair (default: loss)')
    parser.add_argument('--top', type=int, default=100, metavar='N',
                        help='pairs on the contact sheet, and N of '
                        'precision@N / recall@N (default: 100)')
    parser.add_argument('--out-dir', metavar='DIR',
                        help='where the results go; defaults to '
                        'work_dirs/find_noisy_pairs/<config name>')
    parser.add_argument('--batch-size', type=int, metavar='B',
                        help="pairs per batch; defaults to the train "
                        "loader's")
    parser.add_argument('--num-workers', type=int, default=2, metavar='W',
                        help='data loader workers (default: 2)')
    parser.add_argument('--tau', type=float, metavar='T',
                        help='temperature of the fallback loss; defaults to '
                        "the first loss head's, else 0.02")
    parser.add_argument('--device', default='cpu',
                        help="device of the model, e.g. 'cuda'")
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config keys')
    add_debug_argument(parser)
    args = parser.parse_args(argv)
    for name in ('top', 'batch_size'):
        value = getattr(args, name)
        if value is not None and value < 1:
            parser.error(f'--{name.replace("_", "-")} must be a positive '
                         f'integer, got {value}')
    if args.num_workers < 0:
        parser.error(f'--num-workers must be >= 0, got {args.num_workers}')
    if args.tau is not None and not args.tau > 0:
        parser.error(f'--tau must be positive, got {args.tau}')
    return args


def identity_infonce(image_feats: Dict[str, torch.Tensor],
                     text_feats: Dict[str, torch.Tensor],
                     image_pids: torch.Tensor, text_pids: torch.Tensor,
                     tau: float) -> torch.Tensor:
    r"""Per-pair identity-aware InfoNCE within a batch, both directions.

    With :math:`S_{ij}` the evaluation's similarity of image :math:`i` and
    caption :math:`j` (cosine, averaged over the named embeddings),
    :math:`p^{i2t}_{ij} = \mathrm{softmax}_j(S_{ij}/\tau)`,
    :math:`p^{t2i}_{ji} = \mathrm{softmax}_j(S_{ji}/\tau)` and
    :math:`y_{ij} = 1` for pairs of the same person:

    .. math::
        \ell_i = -\frac12\Big[\log \sum_j y_{ij}\, p^{i2t}_{ij}
                 + \log \sum_j y_{ji}\, p^{t2i}_{ji}\Big]

    the probability mass the pair's image puts on its person's captions,
    and its caption on its person's images. With distinct persons in the
    batch it is CLIP's per-pair InfoNCE,
    :math:`-\frac12[\log p^{i2t}_{ii} + \log p^{t2i}_{ii}]`. A noisy pair
    keeps its image's person id, so its caption describes someone else and
    finds little mass on that person's images.

    Args:
        image_feats (Dict[str, Tensor]): ``(B, D_e)`` image embeddings by
            name.
        text_feats (Dict[str, Tensor]): ``(B, D_e)`` caption embeddings, the
            same names.
        image_pids (Tensor): ``(B,)`` person ids of the images.
        text_pids (Tensor): ``(B,)`` person ids of the captions.
        tau (float): Temperature.

    Returns:
        Tensor: ``(B,)`` float32 losses.
    """
    logits = similarity(image_feats, text_feats) / tau
    same = image_pids.view(-1, 1) == text_pids.view(1, -1)

    def positive_mass(rows: torch.Tensor, positives: torch.Tensor):
        return (rows.masked_fill(~positives, float('-inf')).logsumexp(dim=1)
                - rows.logsumexp(dim=1))

    return -0.5 * (positive_mass(logits, same)
                   + positive_mass(logits.t(), same.t()))


def fallback_tau(model: torch.nn.Module) -> float:
    """The first loss head's temperature (``1 / temperature()``), else
    :data:`DEFAULT_TAU`."""
    for head in model.loss_heads:
        temperature = getattr(head, 'temperature', None)
        if isinstance(temperature, torch.nn.Module):
            return float(1.0 / temperature().detach())
    return DEFAULT_TAU


@torch.no_grad()
def score_pairs(model: torch.nn.Module, dataset: PersonSearchDataset,
                batch_size: int, num_workers: int, tau: float
                ) -> Tuple[np.ndarray, Dict[str, torch.Tensor],
                           Dict[str, torch.Tensor]]:
    """Per-pair losses and features of every training pair, in order.

    Args:
        model (nn.Module): The retriever, in eval mode.
        dataset (PersonSearchDataset): From :func:`~amnsfw.evaluation.
            pair_scoring.build_unaugmented_train_set`.
        batch_size (int): Consecutive pairs per batch.
        num_workers (int): Data loader workers.
        tau (float): Temperature of :func:`identity_infonce`, used when no
            loss head has ``per_pair_loss``.

    Returns:
        tuple: ``(N, H)`` float64 losses (one column per head with
        ``per_pair_loss``, else one of :func:`identity_infonce`), and the
        ``(N, D_e)`` image and caption embeddings by name, on the CPU.
    """
    heads = [head for head in model.loss_heads
             if hasattr(head, 'per_pair_loss')]
    num_pairs = len(dataset)
    losses = np.full((num_pairs, max(len(heads), 1)), np.nan)
    image_feats: Dict[str, torch.Tensor] = {}
    text_feats: Dict[str, torch.Tensor] = {}
    for rows, features in iter_pair_features(model, dataset, batch_size,
                                             num_workers, progress=True):
        images = model.named_embeddings(features, 'image')
        texts = model.named_embeddings(features, 'text')
        if heads:
            batch_losses = torch.stack(
                [head.per_pair_loss(features).float() for head in heads],
                dim=1)
        else:
            batch_losses = identity_infonce(
                images, texts, features['image_pids'],
                features['text_pids'], tau)[:, None]
        losses[rows.numpy()] = batch_losses.double().cpu().numpy()
        collect_embeddings(image_feats, rows, images, num_pairs)
        collect_embeddings(text_feats, rows, texts, num_pairs)
    unseen = np.flatnonzero(np.isnan(losses[:, 0]))
    if len(unseen):
        raise RuntimeError(f'scored {num_pairs - len(unseen)} of '
                           f'{num_pairs} training pairs; unseen e.g. '
                           f'{unseen[:5].tolist()}')
    return losses, image_feats, text_feats


def import_rde_ccd():
    """The RDE plugin's CCD module (``clean_posterior``, ``RDE_GMM``)."""
    try:
        return importlib.import_module(
            'amnsfw_rde.hooks.consensus_division_hook')
    except ImportError as error:
        raise ImportError(
            '--signal ccd needs the RDE plugin and scikit-learn (pip '
            f'install -e plugins/rde): {error}') from error


def ccd_gmm(cfg: Config) -> dict:
    """The mixture settings of the config's ``ConsensusDivisionHook``, else
    the RDE plugin's defaults (``RDE_GMM``)."""
    rde_gmm = import_rde_ccd().RDE_GMM
    for hook in cfg.get('custom_hooks', None) or []:
        if (str(hook.get('type', '')).split('.')[-1] == 'ConsensusDivisionHook'
                and hook.get('gmm') is not None):
            return dict(hook['gmm'])
    return dict(rde_gmm)


def detection_metrics(scores: np.ndarray, noisy: np.ndarray,
                      top: int) -> Dict[str, float]:
    """precision@top, recall@top and AUROC of ``scores`` for ``noisy``."""
    return {f'precision@{top}': precision_at_k(scores, noisy, top),
            f'recall@{top}': recall_at_k(scores, noisy, top),
            'auroc': auroc(scores, noisy)}


def thumbnail(path: str) -> str:
    """An image as a ``data:`` URI of a small JPEG."""
    with Image.open(path) as image:
        small = ImageOps.contain(image.convert('RGB'), THUMBNAIL)
    buffer = io.BytesIO()
    small.save(buffer, format='JPEG', quality=85)
    return ('data:image/jpeg;base64,'
            + base64.b64encode(buffer.getvalue()).decode('ascii'))


def write_html(rows: List[dict], path: str, title: str,
               metrics: Optional[Dict[str, float]]) -> None:
    """The contact sheet: one table row per pair, thumbnail embedded."""
    known = 'injected_noise' in rows[0] if rows else False
    summary = ''
    if metrics:
        summary = '<p>' + ', '.join(
            f'{html.escape(name)} = {value:.4f}'
            for name, value in metrics.items()) + '</p>'
    header = ''.join(f'<th>{name}</th>' for name in (
        'rank', 'image', 'caption', 'pair', 'person', 'score') + (
            ('injected noise', ) if known else ()))
    body = []
    for row in rows:
        flag = ''
        if known:
            flag = ('<td class="noisy">noisy</td>' if row['injected_noise']
                    else '<td class="clean">clean</td>')
        body.append(
            f"<tr><td>{row['rank']}</td><td><img src="
            f"\"{thumbnail(row['image_path'])}\" title=\""
            f"{html.escape(row['image_path'])}\"></td><td>"
            f"{html.escape(row['caption'])}</td><td>{row['pair_index']}"
            f"</td><td>{row['person_id']}</td><td>{row['score']:.4f}</td>"
            f'{flag}</tr>')
    with open(path, 'w', encoding='utf-8') as file:
        file.write(
            '<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>'
            f'{html.escape(title)}</title><style>'
            'body{font-family:sans-serif}td,th{padding:4px 8px;'
            'border-bottom:1px solid #ddd;text-align:left}'
            '.noisy{color:#c02020}.clean{color:#208040}</style></head>'
            f'<body><h1>{html.escape(title)}</h1>{summary}<table><tr>'
            f'{header}</tr>\n' + '\n'.join(body)
            + '\n</table></body></html>\n')


def run(args: argparse.Namespace) -> dict:
    """Score, rank and write; returns what metrics.json holds (or would)."""
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    gmm = ccd_gmm(cfg) if args.signal == 'ccd' else None
    model = TextImageSearcher(cfg, args.checkpoint, device=args.device).model
    dataset = build_unaugmented_train_set(cfg)
    batch_size = args.batch_size or cfg.train_dataloader.batch_size
    tau = args.tau or fallback_tau(model)
    losses, image_feats, text_feats = score_pairs(
        model, dataset, batch_size, args.num_workers, tau)
    if args.signal == 'loss':
        scores = losses.mean(axis=1)
    elif args.signal == 'rank':
        scores = own_image_ranks(dataset, image_feats,
                                 text_feats).astype(float)
    else:
        scores = 1.0 - np.min(
            [import_rde_ccd().clean_posterior(column, gmm)
             for column in losses.T], axis=0)

    noisy = (dataset.noisy_pairs
             if getattr(dataset, 'noise_rate', 0) > 0 else None)
    rows = []
    for rank, index in enumerate(descending_order(scores), start=1):
        info = dataset.get_data_info(int(index))
        row = dict(rank=rank, pair_index=int(index),
                   image_path=info['img_path'], caption=info['caption'],
                   person_id=info['pid'], score=float(scores[index]))
        if noisy is not None:
            row['injected_noise'] = bool(noisy[index])
        rows.append(row)
    top = min(args.top, len(rows))

    out_dir = args.out_dir or osp.join(
        'work_dirs', 'find_noisy_pairs',
        osp.splitext(osp.basename(args.config))[0])
    os.makedirs(out_dir, exist_ok=True)
    with open(osp.join(out_dir, 'suspects.csv'), 'w', newline='',
              encoding='utf-8') as file:
        writer = csv.DictWriter(file, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    summary = dict(config=args.config, checkpoint=args.checkpoint,
                   signal=args.signal, num_pairs=len(rows), top=top)
    metrics = None
    if noisy is not None and noisy.any():
        summary['num_noisy'] = int(noisy.sum())
        metrics = detection_metrics(scores, noisy, top)
        summary.update(metrics)
        with open(osp.join(out_dir, 'metrics.json'), 'w',
                  encoding='utf-8') as file:
            json.dump(summary, file, indent=1)
    write_html(rows[:top], osp.join(out_dir, 'suspects.html'),
               f'{top} most suspicious of {len(rows)} training pairs '
               f'({args.signal})', metrics)

    print(f'scored {len(rows)} training pairs by {args.signal}; top {top}:')
    for row in rows[:min(top, 10)]:
        flag = ''
        if noisy is not None:
            flag = '  noisy' if row['injected_noise'] else '  clean'
        print(f"  {row['rank']:4d}  {row['score']:.4f}  pair "
              f"{row['pair_index']}  {row['caption'][:60]!r}{flag}")
    if metrics:
        print(f"injected noise: {summary['num_noisy']} of {len(rows)} pairs; "
              + ', '.join(f'{name} {value:.4f}'
                          for name, value in metrics.items()))
    else:
        print('no injected noise in the train split: no detection '
              'metrics')
    print(f'results written to {out_dir}')
    return summary


def main(argv: Optional[Sequence[str]] = None) -> dict:
    """Score, rank, write and print; returns the run's summary.

    Args:
        argv (Sequence[str], optional): Arguments; None reads ``sys.argv``.
            Defaults to None.

    Returns:
        dict: What ``metrics.json`` holds (written only when the noise is
        known).
    """
    args = parse_args(argv)
    try:
        return run(args)
    except (OSError, ValueError, ImportError, AnnotationError) as error:
        raise SystemExit(f'find_noisy_pairs.py: error: {error}') from error


if __name__ == '__main__':
    sys.exit(run_tool(main))
