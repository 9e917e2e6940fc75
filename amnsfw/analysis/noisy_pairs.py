"""Rank the training pairs of a data set by how mislabelled they look.

The train split is read in order without augmentation (:func:`~amnsfw.
evaluation.pair_scoring.build_unaugmented_train_set`), every pair is scored
by a trained model under one of the :mod:`~amnsfw.analysis.pair_signals`,
and the pairs are written most suspicious first: ``suspects.csv`` (every
pair), ``suspects.html`` (the top N with thumbnails) and, when the data set
injected its noise, ``metrics.json`` (precision@N, recall@N and AUROC of the
score for the injected noise). ``tools/find_noisy_pairs.py`` is its command
line.
"""
import csv
import importlib.util
import json
import os
import os.path as osp
from dataclasses import dataclass
from typing import Dict, List, Optional

import numpy as np
from mmengine.config import Config

from amnsfw.apis import init_model
from amnsfw.datasets import PersonSearchDataset
from amnsfw.evaluation.functional.noise_detection import (auroc,
                                                          descending_order,
                                                          precision_at_k,
                                                          recall_at_k)
from amnsfw.evaluation.pair_scoring import build_unaugmented_train_set
from amnsfw.visualization.contact_sheet import write_contact_sheet
from .pair_signals import ccd_gmm, fallback_tau, score_pairs, signal_scores


@dataclass
class NoisyPairs:
    """The ranked training pairs of :func:`find_noisy_pairs`.

    Args:
        summary (dict): What ``metrics.json`` holds (written only when the
            noise is known): ``config``, ``checkpoint``, ``signal``,
            ``num_pairs``, ``top`` and, with known noise, ``num_noisy`` and
            the detection metrics.
        rows (list[dict]): Every pair, most suspicious first, as in
            ``suspects.csv``.
        metrics (dict, optional): precision@N, recall@N and AUROC; None
            when the train split has no injected noise.
        out_dir (str): Where the files went.
    """

    summary: dict
    rows: List[dict]
    metrics: Optional[Dict[str, float]]
    out_dir: str


def detection_metrics(scores: np.ndarray, noisy: np.ndarray,
                      top: int) -> Dict[str, float]:
    """precision@top, recall@top and AUROC of ``scores`` for ``noisy``."""
    return {f'precision@{top}': precision_at_k(scores, noisy, top),
            f'recall@{top}': recall_at_k(scores, noisy, top),
            'auroc': auroc(scores, noisy)}


def ranked_rows(dataset: PersonSearchDataset, scores: np.ndarray,
                noisy: Optional[np.ndarray]) -> List[dict]:
    """The pairs by descending score: ``rank, pair_index, image_path,
    caption, person_id, score`` and, when ``noisy`` is given,
    ``injected_noise``."""
    rows = []
    for rank, index in enumerate(descending_order(scores), start=1):
        info = dataset.get_data_info(int(index))
        row = dict(rank=rank, pair_index=int(index),
                   image_path=info['img_path'], caption=info['caption'],
                   person_id=info['pid'], score=float(scores[index]))
        if noisy is not None:
            row['injected_noise'] = bool(noisy[index])
        rows.append(row)
    return rows


def write_csv(rows: List[dict], path: str) -> None:
    """Every row, with a header, as ``suspects.csv``."""
    with open(path, 'w', newline='', encoding='utf-8') as file:
        writer = csv.DictWriter(file, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def find_noisy_pairs(config: str, checkpoint: str, signal: str = 'loss',
                     top: int = 100, out_dir: Optional[str] = None,
                     batch_size: Optional[int] = None, num_workers: int = 2,
                     tau: Optional[float] = None, device: str = 'cpu',
                     cfg_options: Optional[dict] = None) -> NoisyPairs:
    """Score, rank and write the training pairs of a config.

    Args:
        config (str): Experiment config file.
        checkpoint (str): Trained checkpoint of its model.
        signal (str): ``'loss'``, ``'rank'`` or ``'ccd'``
            (:mod:`~amnsfw.analysis.pair_signals`). Defaults to ``'loss'``.
        top (int): Pairs on the contact sheet, and N of precision@N /
            recall@N. Defaults to 100.
        out_dir (str, optional): Where the files go. Defaults to None
            (``work_dirs/find_noisy_pairs/<config name>``).
        batch_size (int, optional): Consecutive pairs per batch. Defaults
            to None (the train loader's).
        num_workers (int): Data loader workers. Defaults to 2.
        tau (float, optional): Temperature of the fallback loss. Defaults
            to None (the first loss head's, else 0.02).
        device (str): Device of the model. Defaults to ``'cpu'``.
        cfg_options (dict, optional): Config keys to override. Defaults to
            None.

    Returns:
        NoisyPairs: The summary, the ranked rows and the metrics.
    """
    cfg = Config.fromfile(config)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    gmm = None
    if signal == 'ccd':
        if importlib.util.find_spec('sklearn') is None:
            raise ImportError('the ccd signal needs scikit-learn (pip install '
                              'scikit-learn)')
        gmm = ccd_gmm(cfg)
    model = init_model(cfg, checkpoint, device)
    dataset = build_unaugmented_train_set(cfg)
    losses, image_feats, text_feats = score_pairs(
        model, dataset, batch_size or cfg.train_dataloader.batch_size,
        num_workers, tau or fallback_tau(model))
    scores = signal_scores(signal, losses, dataset, image_feats, text_feats,
                           gmm)

    noisy = (dataset.noisy_pairs
             if getattr(dataset, 'noise_rate', 0) > 0 else None)
    rows = ranked_rows(dataset, scores, noisy)
    top = min(top, len(rows))
    out_dir = out_dir or osp.join(
        'work_dirs', 'find_noisy_pairs',
        osp.splitext(osp.basename(config))[0])
    os.makedirs(out_dir, exist_ok=True)
    write_csv(rows, osp.join(out_dir, 'suspects.csv'))
    summary = dict(config=config, checkpoint=checkpoint, signal=signal,
                   num_pairs=len(rows), top=top)
    metrics = None
    if noisy is not None and noisy.any():
        summary['num_noisy'] = int(noisy.sum())
        metrics = detection_metrics(scores, noisy, top)
        summary.update(metrics)
        with open(osp.join(out_dir, 'metrics.json'), 'w',
                  encoding='utf-8') as file:
            json.dump(summary, file, indent=1)
    write_contact_sheet(rows[:top], osp.join(out_dir, 'suspects.html'),
                        f'{top} most suspicious of {len(rows)} training '
                        f'pairs ({signal})', metrics)
    return NoisyPairs(summary=summary, rows=rows, metrics=metrics,
                      out_dir=out_dir)


def describe_noisy_pairs(result: NoisyPairs) -> str:
    """What the command line prints: the top ten pairs, the detection
    metrics and where the files went."""
    summary, rows = result.summary, result.rows
    top = summary['top']
    lines = [f"scored {len(rows)} training pairs by {summary['signal']}; "
             f'top {top}:']
    for row in rows[:min(top, 10)]:
        flag = ''
        if 'injected_noise' in row:
            flag = '  noisy' if row['injected_noise'] else '  clean'
        lines.append(f"  {row['rank']:4d}  {row['score']:.4f}  pair "
                     f"{row['pair_index']}  {row['caption'][:60]!r}{flag}")
    if result.metrics:
        lines.append(
            f"injected noise: {summary['num_noisy']} of {len(rows)} pairs; "
            + ', '.join(f'{name} {value:.4f}'
                        for name, value in result.metrics.items()))
    else:
        lines.append('no injected noise in the train split: no detection '
                     'metrics')
    lines.append(f'results written to {result.out_dir}')
    return '\n'.join(lines)
