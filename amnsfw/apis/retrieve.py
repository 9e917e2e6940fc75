"""Search a gallery by text and write the rankings: the work of
``tools/retrieve.py``.

The gallery is a folder of images (:func:`~amnsfw.serve.gallery.
list_images`) or a split of the config's data set (:func:`~amnsfw.serve.
gallery.gallery_from_split`), whose own captions can be the queries; each
query's top-k images are written as ``query_<i>.png`` grids and all of them
to ``results.json``.
"""
import json
import os
import os.path as osp
from dataclasses import dataclass
from typing import List, Optional, Sequence, Tuple

from mmengine.config import Config

from amnsfw.serve.gallery import gallery_from_split, list_images
from amnsfw.visualization.ranking_grid import draw_ranking
from .kept_index import update_kept_index
from .text_image_search import TextImageSearcher


@dataclass
class Retrieval:
    """What :func:`retrieve` found and wrote.

    Args:
        summary (dict): What ``results.json`` holds: the run's settings and
            per query its text and hits.
        out_dir (str): Where the files went.
        index_note (str, optional): How the kept index changed; None
            without one.
    """

    summary: dict
    out_dir: str
    index_note: Optional[str] = None


def read_queries(path: str) -> List[str]:
    """The non-blank lines of a query file, stripped.

    Raises:
        FileNotFoundError: The file is missing or every line is blank.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'query file not found: {path}')
    with open(path, encoding='utf-8') as file:
        texts = [line.strip() for line in file if line.strip()]
    if not texts:
        raise FileNotFoundError(f'query file {path} has no query (every '
                                'line is blank)')
    return texts


def split_gallery(cfg: Config, split: str, data_root: Optional[str]
                  ) -> Tuple[List[str], List[int], List[Tuple[str, int]]]:
    """A split's gallery images (as the data set names them, relative to
    its root as given, so a kept index stays valid), their person ids,
    and its captions with their person ids, in query order."""
    gallery = gallery_from_split(cfg, split, data_root)
    root = data_root or cfg.test_dataloader.dataset.data_root
    paths = [osp.join(root, gallery.name(i)) for i in range(len(gallery))]
    return (paths, list(gallery.pids),
            [(caption.text, caption.pid) for caption in gallery.captions])


def choose_queries(captions: Sequence[Tuple[str, int]], split: str,
                   query_index: Sequence[int]) -> List[int]:
    """Check that every index names a caption of the split.

    Raises:
        ValueError: An index is out of range, naming it.
    """
    bad = [n for n in query_index if not 0 <= n < len(captions)]
    if bad:
        raise ValueError(
            f'--query-index must be in [0, {len(captions)}) for the '
            f'{len(captions)} captions of split {split!r}, got {bad}')
    return list(query_index)


def retrieve(config: str, checkpoint: str, gallery_dir: Optional[str] = None,
             split: Optional[str] = None, data_root: Optional[str] = None,
             queries: Optional[Sequence[str]] = None,
             query_file: Optional[str] = None,
             query_index: Optional[Sequence[int]] = None, topk: int = 10,
             out_dir: Optional[str] = None, device: str = 'cpu',
             batch_size: int = 64, index_dir: Optional[str] = None,
             index_kind: str = 'flat',
             cfg_options: Optional[dict] = None) -> Retrieval:
    """Index a gallery, search it and write the rankings.

    Args:
        config (str): Experiment config file.
        checkpoint (str): Trained checkpoint of its model.
        gallery_dir (str, optional): Index every image under this folder.
            Defaults to None (then ``split``).
        split (str, optional): ``'val'`` or ``'test'``: index the gallery of
            this split of the config's data set. Defaults to None.
        data_root (str, optional): With ``split``: the data set's folder
            instead of the config's. Defaults to None.
        queries (Sequence[str], optional): Query texts. Defaults to None.
        query_file (str, optional): Query texts, one per line. Defaults to
            None.
        query_index (Sequence[int], optional): With ``split``: the split's
            own captions, by index among its queries; their relevant images
            are then known. Defaults to None.
        topk (int): Images per query. Defaults to 10.
        out_dir (str, optional): Where ``results.json`` and the grids go.
            Defaults to None (``work_dirs/retrieve/<config name>``).
        device (str): Device of the model. Defaults to ``'cpu'``.
        batch_size (int): Images encoded at a time. Defaults to 64.
        index_dir (str, optional): Keep the gallery's index here
            (:func:`~amnsfw.apis.kept_index.update_kept_index`). Defaults
            to None.
        index_kind (str): A new index's kind: ``'flat'``, ``'ivf'`` or
            ``'hnsw'``. Defaults to ``'flat'``.
        cfg_options (dict, optional): Config keys to override. Defaults to
            None.

    Returns:
        Retrieval: The summary written to ``results.json``, and more.
    """
    cfg = Config.fromfile(config)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    out_dir = out_dir or osp.join(
        'work_dirs', 'retrieve', osp.splitext(osp.basename(config))[0])

    if split:
        paths, gallery_pids, captions = split_gallery(cfg, split, data_root)
    else:
        paths = list_images(gallery_dir)
        gallery_pids = [None] * len(paths)

    chosen: List[Optional[int]]
    if query_index is not None:
        chosen = choose_queries(captions, split, query_index)
        texts = [captions[n][0] for n in chosen]
    else:
        texts = list(queries or read_queries(query_file))
        chosen = [None] * len(texts)

    searcher = TextImageSearcher(cfg, checkpoint, device=device,
                                 index_kind=index_kind)
    index_note = None
    if index_dir:
        pid_of = dict(zip(paths, gallery_pids))
        paths, added = update_kept_index(searcher, index_dir, paths,
                                         batch_size)
        gallery_pids = [pid_of[path] for path in paths]
        index_note = (f'index {index_dir}: {len(paths)} images, {added} '
                      'added')
    else:
        searcher.index(paths, batch_size=batch_size)
    rankings = searcher.search(texts, k=topk)

    os.makedirs(out_dir, exist_ok=True)
    results = []
    for number, (text, caption_index, ranking) in enumerate(
            zip(texts, chosen, rankings)):
        pid = None if caption_index is None else captions[caption_index][1]
        hits = [dict(rank=rank, gallery_index=index, path=paths[index],
                     score=score, pid=gallery_pids[index],
                     relevant=None if pid is None else
                     gallery_pids[index] == pid)
                for rank, (index, score) in enumerate(ranking, start=1)]
        image = f'query_{number}.png'
        draw_ranking(text, hits, osp.join(out_dir, image))
        results.append(dict(number=number, text=text,
                            caption_index=caption_index, pid=pid,
                            image=image, hits=hits))
    summary = dict(config=config, checkpoint=checkpoint,
                   gallery=gallery_dir or f'split {split}',
                   gallery_size=len(paths), topk=topk,
                   index_kind=searcher.gallery_index.kind, queries=results)
    with open(osp.join(out_dir, 'results.json'), 'w',
              encoding='utf-8') as file:
        json.dump(summary, file, indent=1)
    return Retrieval(summary=summary, out_dir=out_dir, index_note=index_note)


def describe_query(query: dict) -> str:
    """One query's printed hit table."""
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


def describe_retrieval(retrieval: Retrieval) -> str:
    """What the command line prints: the kept index's change, each query's
    hits and where the files went."""
    lines = [retrieval.index_note] if retrieval.index_note else []
    lines += [describe_query(query)
              for query in retrieval.summary['queries']]
    lines.append(f'results written to {retrieval.out_dir}')
    return '\n'.join(lines)
