"""Sizes of a data set's splits, compared with the real data sets.

Used by ``tools/dataset_info.py``; :data:`KNOWN_SIZES` are the published
sizes of METHOD.md section 2 (train: identities / images / pairs; test and
val: identities / gallery images / query captions).
"""
import os.path as osp
from typing import Dict, Iterable, List, NamedTuple, Optional

from amnsfw.registry import DATASETS
from .cuhk_pedes import CUHKPEDES
from .person_search_dataset import PersonRecord


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


def missing_images(reader, records: Iterable[PersonRecord]) -> List[str]:
    """Image files of ``records`` that do not exist, in record order."""
    image_dir = reader.data_prefix['img_path']
    paths = (osp.join(image_dir, r.img_path) for r in records)
    return [path for path in paths if not osp.isfile(path)]


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
