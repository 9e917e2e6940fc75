"""Sizes of a data set's splits, compared with the real data sets.

Used by ``tools/dataset_info.py``; :data:`KNOWN_SIZES` are the published
sizes of METHOD.md section 2 (train: identities / images / pairs; test and
val: identities / gallery images / query captions). :func:`empty_splits`
and :func:`image_problems` say whether a data set is usable at all.
"""
import os.path as osp
import sys
from typing import Dict, Iterable, List, NamedTuple, Optional, Sequence

from mmengine.utils import track_parallel_progress, track_progress

from amnsfw.registry import DATASETS
from .cuhk_pedes import CUHKPEDES
from .person_search_dataset import PersonRecord
from .transforms.load_person_image import ImageLoadError, LoadPersonImage


class SplitSize(NamedTuple):
    """Sizes of one split: identities, images and captions."""

    ids: int
    images: int
    captions: int


#: Format names accepted besides the reader type names.
FORMAT_TYPES = {
    'cuhk-pedes': 'CUHKPEDES',
    'icfg-pedes': 'ICFGPEDES',
    'rstpreid': 'RSTPReid',
}

#: Sizes of the real data sets per reader type and split (METHOD.md s. 2).
KNOWN_SIZES: Dict[str, Dict[str, SplitSize]] = {
    'CUHKPEDES': {
        'train': SplitSize(11003, 34054, 68126),
        'val': SplitSize(1000, 3078, 6158),
        'test': SplitSize(1000, 3074, 6156),
    },
    'ICFGPEDES': {
        'train': SplitSize(3102, 34674, 34674),
        'test': SplitSize(1000, 19848, 19848),
    },
    'RSTPReid': {
        'train': SplitSize(3701, 18505, 37010),
        'val': SplitSize(200, 1000, 2000),
        'test': SplitSize(200, 1000, 2000),
    },
}

#: Reader arguments that make a reader serve the file's own splits (the
#: ICFG-PEDES reader otherwise carves a val split out of train).
FILE_VIEW_KWARGS: Dict[str, dict] = {'ICFGPEDES': dict(val_ids=0)}


def resolve_type(name: str) -> str:
    """Return the reader type of a format name (``'icfg-pedes'``) or of a
    registered reader type name (``'ICFGPEDES'``)."""
    if name.lower() in FORMAT_TYPES:
        return FORMAT_TYPES[name.lower()]
    if DATASETS.get(name) is None:  # amnsfw's registry raises instead
        raise KeyError(name)
    return name


def build_reader(dataset_type: str, data_root: str,
                 **kwargs) -> CUHKPEDES:
    """Build a reader without loading its file (``lazy_init``).

    Args:
        dataset_type (str): Format or reader type name.
        data_root (str): The data set folder.
        **kwargs: Other reader arguments (``ann_file``, ``val_ids``...).

    Returns:
        CUHKPEDES: The reader (any :class:`PersonSearchDataset`).
    """
    return DATASETS.build(
        dict(type=resolve_type(dataset_type), data_root=data_root,
             lazy_init=True, **kwargs))


def split_statistics(records: Iterable[PersonRecord]) -> Dict[str, SplitSize]:
    """Count identities, images and captions per split.

    Args:
        records (Iterable[PersonRecord]): Parsed records.

    Returns:
        dict[str, SplitSize]: Per split, in order of first appearance.
    """
    pids: Dict[str, set] = {}
    images: Dict[str, int] = {}
    captions: Dict[str, int] = {}
    for record in records:
        pids.setdefault(record.split, set()).add(record.pid)
        images[record.split] = images.get(record.split, 0) + 1
        captions[record.split] = (
            captions.get(record.split, 0) + len(record.captions))
    return {
        split: SplitSize(len(pids[split]), images[split], captions[split])
        for split in pids
    }


class Comparison(NamedTuple):
    """One split: sizes found and expected (None when unknown)."""

    split: str
    found: Optional[SplitSize]
    expected: Optional[SplitSize]

    @property
    def ok(self) -> bool:
        """Whether the sizes found equal the known ones."""
        return self.found == self.expected


def compare_with_known(dataset_type: str,
                       stats: Dict[str, SplitSize]) -> List[Comparison]:
    """Pair each split's sizes with the real data set's.

    Args:
        dataset_type (str): Format or reader type name.
        stats (dict[str, SplitSize]): From :func:`split_statistics`.

    Returns:
        list[Comparison]: The known splits first (in their order), then any
        other split found. Empty when the type has no known sizes.
    """
    known = KNOWN_SIZES.get(resolve_type(dataset_type))
    if known is None:
        return []
    splits = list(known) + [s for s in stats if s not in known]
    return [Comparison(s, stats.get(s), known.get(s)) for s in splits]


def empty_splits(reader, stats: Dict[str, SplitSize]) -> List[str]:
    """Splits of the reader's format that have no record in the file (a
    model cannot be trained, selected or tested without each of them)."""
    return [split for split in reader.file_splits if split not in stats]


class ImageProblem(NamedTuple):
    """An image that a record names but that cannot be used."""

    record: int
    split: str
    pid: int
    path: str
    problem: str


def image_problem(path: str) -> Optional[str]:
    """Why the image file ``path`` cannot be used, or None when it loads as
    training loads it (:class:`~amnsfw.datasets.transforms.LoadPersonImage`:
    missing, empty, undecodable or truncated files fail)."""
    try:
        LoadPersonImage()(dict(img_path=path))
    except ImageLoadError as error:
        return error.reason
    return None


def image_problems(reader, records: Sequence[PersonRecord],
                   workers: int = 1) -> List[ImageProblem]:
    """Decode every record's image; the ones that fail, in record order.

    Args:
        reader (PersonSearchDataset): The reader that parsed ``records``
            (its ``data_prefix`` locates the images).
        records (Sequence[PersonRecord]): All records, in file order (a
            record's position is its index in the file).
        workers (int): Decoding processes; a progress bar goes to stderr.
            Defaults to 1.

    Returns:
        list[ImageProblem]: One per missing, empty or undecodable image.
    """
    image_dir = reader.data_prefix['img_path']
    paths = [osp.join(image_dir, r.img_path) for r in records]
    if not paths:
        return []
    if workers > 1:
        problems = track_parallel_progress(
            image_problem, paths, min(workers, len(paths)),
            chunksize=max(1, len(paths) // (workers * 16)), file=sys.stderr)
    else:
        problems = track_progress(image_problem, paths, file=sys.stderr)
    return [
        ImageProblem(index, record.split, record.pid, path, problem)
        for index, (record, path, problem) in enumerate(
            zip(records, paths, problems)) if problem is not None
    ]


def _cell(size: Optional[SplitSize], field: str) -> str:
    return '-' if size is None else f'{getattr(size, field):,}'


def format_statistics(stats: Dict[str, SplitSize]) -> str:
    """A table of sizes per split."""
    lines = [f'{"split":<6} {"ids":>8} {"images":>8} {"captions":>9}']
    lines += [f'{split:<6} {size.ids:>8,} {size.images:>8,} '
              f'{size.captions:>9,}' for split, size in stats.items()]
    return '\n'.join(lines)


def format_comparison(dataset_type: str,
                      comparisons: List[Comparison]) -> str:
    """A table of expected vs found sizes with OK / DIFFERS per split."""
    name = resolve_type(dataset_type)
    if not comparisons:
        return f'no known sizes for {name}'
    header = (f'{"split":<6} {"ids":>13} {"images":>15} {"captions":>15}  '
              'status')
    lines = [f'found / expected (real {name}):', header]
    for row in comparisons:
        cells = [
            f'{_cell(row.found, f)} / {_cell(row.expected, f)}'
            for f in SplitSize._fields
        ]
        lines.append(f'{row.split:<6} {cells[0]:>13} {cells[1]:>15} '
                     f'{cells[2]:>15}  {"OK" if row.ok else "DIFFERS"}')
    if all(row.ok for row in comparisons):
        lines.append(f'matches the real {name} sizes')
    else:
        lines.append(
            f'DIFFERS from the real {name} in '
            f'{sum(not row.ok for row in comparisons)} of {len(comparisons)} '
            'splits: this is not the published data set (a generated set '
            'such as SynthPEDES, a subset or a modified file always '
            'differs)')
    return '\n'.join(lines)
