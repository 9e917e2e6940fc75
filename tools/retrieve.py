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
set by the config (``--cfg-options model.tokenizer.vocab_file=...``).
"""
import argparse
import json
import os
import os.path as osp
import sys
import textwrap
from typing import List, Optional, Sequence, Tuple

from mmengine.config import Config, DictAction
from PIL import Image, ImageDraw, ImageFont, ImageOps

from amnsfw.apis import TextImageSearcher
from amnsfw.apis.gallery_index import INDEX_KINDS
from amnsfw.cli_errors import add_debug_argument, run_tool
from amnsfw.datasets import AnnotationError
from amnsfw.registry import DATASETS
from amnsfw.serve.gallery import list_images

#: Size of one image of a result grid, and of its frame, in pixels.
TILE_SIZE = (96, 192)
FRAME = 4
#: The file of an index folder that lists its images in index order.
GALLERY_FILE = 'gallery.json'
RELEVANT_COLOUR = (30, 160, 60)
IRRELEVANT_COLOUR = (210, 40, 40)


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
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


def read_queries(path: str) -> List[str]:
    """The non-blank lines of a query file, stripped."""
    if not osp.isfile(path):
        raise FileNotFoundError(f'query file not found: {path}')
    with open(path, encoding='utf-8') as file:
        texts = [line.strip() for line in file if line.strip()]
    if not texts:
        raise FileNotFoundError(f'query file {path} has no query (every '
                                'line is blank)')
    return texts


def update_index(searcher: TextImageSearcher, directory: str,
                 paths: List[str], batch_size: int) -> List[str]:
    """Load the index kept in ``directory`` if there is one, add the
    gallery images it lacks and save it back; returns the indexed image
    paths in index order."""
    listing = osp.join(directory, GALLERY_FILE)
    indexed: List[str] = []
    if osp.isfile(listing):
        searcher.load_index(directory)
        with open(listing, encoding='utf-8') as file:
            indexed = json.load(file)['paths']
        gone = sorted(set(indexed) - set(paths))
        if gone:
            raise ValueError(
                f'the index in {directory} holds {len(gone)} images that '
                f'are not in this gallery, e.g. {gone[0]}; delete '
                f'{directory} to rebuild it')
    known = set(indexed)
    new = [path for path in paths if path not in known]
    if new:
        searcher.add(new, batch_size=batch_size)
        indexed += new
        searcher.save_index(directory)
        with open(listing, 'w', encoding='utf-8') as file:
            json.dump(dict(paths=indexed), file, indent=1)
    print(f'index {directory}: {len(indexed)} images, {len(new)} added')
    return indexed


def split_items(cfg: Config, split: str,
                data_root: Optional[str]) -> Tuple[List[dict], List[dict]]:
    """The gallery items and query items of a split of the config's data
    set, each a dict with ``pid`` and ``img_path`` or ``caption``."""
    dataset_cfg = cfg[f'{split}_dataloader'].dataset.copy()
    dataset_cfg.split = split
    if data_root:
        dataset_cfg.data_root = data_root
    dataset = DATASETS.build(dataset_cfg)
    num_gallery = dataset.metainfo['num_gallery']
    items = [dataset.get_data_info(i) for i in range(len(dataset))]
    return items[:num_gallery], items[num_gallery:]


def draw_ranking(text: str, hits: List[dict], path: str) -> None:
    """Write one query's hits side by side, rank and score under each,
    framed green (relevant) or red (not) where relevance is known."""
    font = ImageFont.load_default(size=13)
    line_height = font.getbbox('Ag')[3] + 4
    tile_w, tile_h = TILE_SIZE
    cell_w, cell_h = tile_w + 2 * FRAME, tile_h + 2 * FRAME
    width = max(len(hits) * (cell_w + 6) + 6, 360)
    header = textwrap.wrap(text, width=max(30, width // 7)) or ['']
    top = len(header) * line_height + 10
    canvas = Image.new('RGB', (width, top + cell_h + 3 * line_height + 6),
                       'white')
    draw = ImageDraw.Draw(canvas)
    for row, line in enumerate(header):
        draw.text((6, 4 + row * line_height), line, fill='black', font=font)
    for column, hit in enumerate(hits):
        left = 6 + column * (cell_w + 6)
        with Image.open(hit['path']) as image:
            image = ImageOps.contain(image.convert('RGB'), TILE_SIZE)
        x = left + FRAME + (tile_w - image.width) // 2
        y = top + FRAME + (tile_h - image.height) // 2
        if hit['relevant'] is not None:
            colour = RELEVANT_COLOUR if hit['relevant'] else IRRELEVANT_COLOUR
            draw.rectangle((x - FRAME, y - FRAME, x + image.width + FRAME - 1,
                            y + image.height + FRAME - 1), fill=colour)
        canvas.paste(image, (x, y))
        lines = [f"rank {hit['rank']}", f"{hit['score']:.3f}"]
        if hit['pid'] is not None:
            lines.append(f"id {hit['pid']}")
        for row, line in enumerate(lines):
            draw.text((left + FRAME, top + cell_h + 2 + row * line_height),
                      line, fill='black', font=font)
    canvas.save(path)


def describe(query: dict) -> str:
    """One printed hit table."""
    where = ''
    if query['caption_index'] is not None:
        where = (f" [caption {query['caption_index']} of person "
                 f"{query['pid']}]")
    lines = [f"query {query['number']}: {query['text']!r}{where}"]
    for hit in query['hits']:
        line = f"  {hit['rank']:4d}  {hit['score']:.4f}  {hit['path']}"
        if hit['pid'] is not None:
            line += f"  person {hit['pid']}"
        if hit['relevant'] is not None:
            line += '  relevant' if hit['relevant'] else '  -'
        lines.append(line)
    return '\n'.join(lines)


def run(args: argparse.Namespace) -> dict:
    """Index, search, print and write; returns what results.json holds."""
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    out_dir = args.out_dir or osp.join(
        'work_dirs', 'retrieve', osp.splitext(osp.basename(args.config))[0])

    if args.split:
        gallery, split_queries = split_items(cfg, args.split, args.data_root)
        paths = [item['img_path'] for item in gallery]
        gallery_pids = [item['pid'] for item in gallery]
    else:
        paths = list_images(args.gallery_dir)
        gallery_pids = [None] * len(paths)

    chosen: List[Optional[int]]
    if args.query_index is not None:
        bad = [n for n in args.query_index
               if not 0 <= n < len(split_queries)]
        if bad:
            raise ValueError(
                f'--query-index must be in [0, {len(split_queries)}) for the '
                f'{len(split_queries)} captions of split {args.split!r}, '
                f'got {bad}')
        chosen = list(args.query_index)
        texts = [split_queries[n]['caption'] for n in chosen]
    else:
        texts = args.query or read_queries(args.query_file)
        chosen = [None] * len(texts)

    searcher = TextImageSearcher(cfg, args.checkpoint, device=args.device,
                                 index_kind=args.index_kind)
    if args.index_dir:
        pid_of = dict(zip(paths, gallery_pids))
        paths = update_index(searcher, args.index_dir, paths,
                             args.batch_size)
        gallery_pids = [pid_of[path] for path in paths]
    else:
        searcher.index(paths, batch_size=args.batch_size)
    rankings = searcher.search(texts, k=args.topk)

    os.makedirs(out_dir, exist_ok=True)
    results = []
    for number, (text, caption_index, ranking) in enumerate(
            zip(texts, chosen, rankings)):
        pid = (None if caption_index is None else
               split_queries[caption_index]['pid'])
        hits = [dict(rank=rank, gallery_index=index, path=paths[index],
                     score=score, pid=gallery_pids[index],
                     relevant=None if pid is None else
                     gallery_pids[index] == pid)
                for rank, (index, score) in enumerate(ranking, start=1)]
        image = f'query_{number}.png'
        draw_ranking(text, hits, osp.join(out_dir, image))
        query = dict(number=number, text=text, caption_index=caption_index,
                     pid=pid, image=image, hits=hits)
        print(describe(query))
        results.append(query)
    summary = dict(config=args.config, checkpoint=args.checkpoint,
                   gallery=args.gallery_dir or f'split {args.split}',
                   gallery_size=len(paths), topk=args.topk,
                   index_kind=searcher.gallery_index.kind, queries=results)
    with open(osp.join(out_dir, 'results.json'), 'w',
              encoding='utf-8') as file:
        json.dump(summary, file, indent=1)
    print(f'results written to {out_dir}')
    return summary


def main(argv: Optional[Sequence[str]] = None) -> dict:
    args = parse_args(argv)
    try:
        return run(args)
    except (OSError, ValueError, AnnotationError) as error:
        # Missing or unreadable inputs: the message names the file.
        raise SystemExit(f'retrieve.py: error: {error}') from error


if __name__ == '__main__':
    sys.exit(run_tool(main))
