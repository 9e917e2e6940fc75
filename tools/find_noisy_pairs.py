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
  one, the identity-aware InfoNCE of
  :func:`amnsfw.analysis.pair_signals.identity_infonce`;
* ``rank``: the rank of the pair's own image among all training images for
  its caption (1 = first), by the evaluation's similarity (cosine averaged
  over the model's named embeddings), ties counted against the pair;
* ``ccd``: ``1 - p_clean``, RDE's clean posterior under a two-component
  Gaussian mixture over each head's per-pair losses, the smallest over the
  heads (RDE calls a pair clean only when every head does). Needs
  scikit-learn.

Writes to ``--out-dir`` (default ``work_dirs/find_noisy_pairs/<config
name>``): ``suspects.csv`` (every pair: ``rank, pair_index, image_path,
caption, person_id, score`` and, when the data set injected its noise
(``noise_rate > 0``), ``injected_noise``), ``suspects.html`` (the top N with
thumbnails) and, when the noise is known, ``metrics.json``: precision@N,
recall@N and AUROC of the score for the injected noise, also printed.
The work is :func:`amnsfw.analysis.find_noisy_pairs`'s.
"""
import argparse
import sys
from typing import Optional, Sequence

from mmengine.config import DictAction

from amnsfw.analysis.noisy_pairs import describe_noisy_pairs, find_noisy_pairs
from amnsfw.analysis.pair_signals import SIGNALS
from amnsfw.cli_errors import add_debug_argument, run_tool
from amnsfw.datasets import AnnotationError


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
        result = find_noisy_pairs(
            args.config, args.checkpoint, signal=args.signal, top=args.top,
            out_dir=args.out_dir, batch_size=args.batch_size,
            num_workers=args.num_workers, tau=args.tau, device=args.device,
            cfg_options=args.cfg_options)
    except (OSError, ValueError, ImportError, AnnotationError) as error:
        raise SystemExit(f'find_noisy_pairs.py: error: {error}') from error
    print(describe_noisy_pairs(result))
    return result.summary


if __name__ == '__main__':
    sys.exit(run_tool(main))
