"""Search person images by text with a trained checkpoint.

Index a folder of images (searched recursively) and query it::

    python tools/retrieve.py CONFIG CHECKPOINT --gallery-dir photos/ \\
        --query "a woman in a red skirt carrying a black backpack"

Search the gallery of a split of the config's data set, with free text or
with the split's own captions by index (``--query-index``), whose relevant
images, those of the caption's person, are then known::

    python tools/retrieve.py configs/itc/itc_tinyclip_8e_synthpedes.py \\
        work_dirs/itc_tinyclip_8e_synthpedes/best_retrieval_R1_epoch_30.pth \\
        --split test --query-index 0 7 42 --topk 5

Keep the gallery's index between runs (a big gallery is embedded once;
images new to the folder are added to it; an index made by other weights
is refused)::

    python tools/retrieve.py CONFIG CHECKPOINT --gallery-dir photos/ \
        --index-dir work_dirs/photos_index --query "a man in a grey coat"

Usage::

    python tools/retrieve.py CONFIG CHECKPOINT
        (--gallery-dir DIR | --split {val,test} [--data-root R])
        (--query TEXT ... | --query-file FILE | --query-index N ...)
        [--topk 10] [--out-dir DIR] [--device cpu] [--batch-size 64]
        [--index-dir DIR] [--index-kind {flat,ivf,hnsw}]
        [--cfg-options key=value ...]

The gallery is searched through a FAISS index whose inner product is the
evaluation's similarity: exact (``flat``, the default), or approximate
(``ivf``, ``hnsw``) for millions of images. ``--topk`` may not exceed the
gallery's size.

Prints each query's top-k images with their scores (the evaluation's
similarity: cosine, averaged over the model's named embeddings) and writes
to ``--out-dir`` (default ``work_dirs/retrieve/<config name>``):

* ``results.json``: per query its text, and its hits by rank with gallery
  index, path and score; in split mode also each hit's person id, and with
  ``--query-index`` the query's person id and whether each hit is relevant
  (null where unknown);
* ``query_<i>.png``: the query's top-k images side by side, rank and score
  under each, relevant ones framed green and others red when known.

``--data-root`` moves only the data set; the tokenizer's vocabulary file is
set by the config (``--cfg-options model.tokenizer.vocab_file=...``). The
work is :func:`amnsfw.apis.retrieve.retrieve`'s.
"""
import argparse
import sys
from typing import Optional, Sequence

from mmengine.config import DictAction

from amnsfw.apis.gallery_index import INDEX_KINDS
from amnsfw.apis.retrieve import describe_retrieval, retrieve
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
        description='Search a gallery of person images by text.')
    parser.add_argument('config', help='experiment config file')
    parser.add_argument('checkpoint', help='trained checkpoint')
    gallery = parser.add_mutually_exclusive_group(required=True)
    gallery.add_argument('--gallery-dir', metavar='DIR',
                         help='index every image under this folder')
    gallery.add_argument('--split', choices=('val', 'test'),
                         help="index the gallery of this split of the "
                         "config's data set")
    parser.add_argument('--data-root', metavar='R',
                        help="with --split: the data set's folder, "
                        "instead of the config's")
    queries = parser.add_mutually_exclusive_group(required=True)
    queries.add_argument('--query', nargs='+', metavar='TEXT',
                         help='query texts')
    queries.add_argument('--query-file', metavar='FILE',
                         help='query texts, one per line')
    queries.add_argument('--query-index', nargs='+', type=int, metavar='N',
                         help="with --split: the split's own captions, by "
                         'index among its queries')
    parser.add_argument('--topk', type=int, default=10,
                        help='images shown per query')
    parser.add_argument('--out-dir', metavar='DIR',
                        help='where results.json and the grids go; '
                        'defaults to work_dirs/retrieve/<config name>')
    parser.add_argument('--device', default='cpu',
                        help="device of the model, e.g. 'cuda'")
    parser.add_argument('--batch-size', type=int, default=64,
                        help='images encoded at a time')
    parser.add_argument('--index-dir', metavar='DIR',
                        help="keep the gallery's index here: load it if "
                        'present (refused if another model made it), add '
                        'the gallery images it lacks, save it')
    parser.add_argument('--index-kind', choices=INDEX_KINDS, default='flat',
                        help='a new index: exact (flat) or approximate '
                        '(ivf, hnsw). Defaults to flat.')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config keys')
    add_debug_argument(parser)
    args = parser.parse_args(argv)
    if args.data_root and not args.split:
        parser.error('--data-root needs --split')
    if args.query_index is not None and not args.split:
        parser.error('--query-index needs --split (the captions of a split)')
    if args.topk < 1:
        parser.error(f'--topk must be a positive integer, got {args.topk}')
    if args.batch_size < 1:
        parser.error('--batch-size must be a positive integer, got '
                     f'{args.batch_size}')
    return args


def main(argv: Optional[Sequence[str]] = None) -> dict:
    """Index, search, print and write; returns what results.json holds.

    Args:
        argv (Sequence[str], optional): Arguments; None reads ``sys.argv``.
            Defaults to None.

    Returns:
        dict: The summary written to ``results.json``.
    """
    args = parse_args(argv)
    try:
        retrieval = retrieve(
            args.config, args.checkpoint, gallery_dir=args.gallery_dir,
            split=args.split, data_root=args.data_root, queries=args.query,
            query_file=args.query_file, query_index=args.query_index,
            topk=args.topk, out_dir=args.out_dir, device=args.device,
            batch_size=args.batch_size, index_dir=args.index_dir,
            index_kind=args.index_kind, cfg_options=args.cfg_options)
    except (OSError, ValueError, AnnotationError) as error:
        # Missing or unreadable inputs: the message names the file.
        raise SystemExit(f'retrieve.py: error: {error}') from error
    print(describe_retrieval(retrieval))
    return retrieval.summary


if __name__ == '__main__':
    sys.exit(run_tool(main))
