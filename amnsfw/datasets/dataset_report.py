"""Whether a data set on disk is usable, and how it compares with the real
one: the work of ``tools/dataset_info.py``, from the parts in
:mod:`amnsfw.datasets.dataset_info`."""
from dataclasses import dataclass
from typing import Dict, List, Optional

from amnsfw.errors import InputError
from .dataset_info import (FILE_VIEW_KWARGS, Comparison, ImageProblem,
                           SplitSize, build_reader, compare_with_known,
                           empty_splits, format_comparison,
                           format_statistics, image_problems, resolve_type,
                           split_statistics)

#: How many unusable images the text report lists.
SHOW_PROBLEMS = 5


@dataclass
class DatasetReport:
    """What :func:`dataset_report` found.

    Args:
        dataset_type (str): The reader type, e.g. ``'CUHKPEDES'``.
        data_root (str): The data set folder.
        ann_file (str): The annotation file read.
        file_splits (list[str]): The splits the format's file must hold.
        num_records (int): Records (images) in the file.
        stats (dict): :class:`SplitSize` per split of the file.
        comparisons (list): Against the real data set's sizes.
        empty (list[str]): The format's splits without records.
        images_checked (bool): Whether every image was decoded.
        problems (list): The unusable images found.
        served (dict, optional): :class:`SplitSize` per split as the reader
            serves them with its default arguments (ICFG-PEDES: val carved
            from train); None when that is the file's view.
    """

    dataset_type: str
    data_root: str
    ann_file: str
    file_splits: List[str]
    num_records: int
    stats: Dict[str, SplitSize]
    comparisons: List[Comparison]
    empty: List[str]
    images_checked: bool
    problems: List[ImageProblem]
    served: Optional[Dict[str, SplitSize]] = None

    @property
    def usable(self) -> bool:
        """No split of the format is empty and no checked image is
        unusable."""
        return not self.empty and not self.problems

    def to_json(self) -> dict:
        """The report as ``--json`` prints it."""
        return dict(
            dataset=self.dataset_type, data_root=self.data_root,
            ann_file=self.ann_file,
            splits={s: size._asdict() for s, size in self.stats.items()},
            served_splits=self.served and {
                s: size._asdict() for s, size in self.served.items()},
            matches_known_sizes=bool(self.comparisons) and all(
                row.ok for row in self.comparisons),
            empty_splits=self.empty, images_checked=self.images_checked,
            num_images=self.num_records,
            unusable_images=[p._asdict() for p in self.problems],
            usable=self.usable)

    def format(self) -> str:
        """The report as text: sizes, comparison, errors, verdict."""
        lines = [f'{self.dataset_type} at {self.data_root} ({self.ann_file})',
                 format_statistics(self.stats),
                 format_comparison(self.dataset_type, self.comparisons)]
        if self.served is not None:
            lines += ['as served by the reader with its default arguments '
                      '(val carved from train by identity):',
                      format_statistics(self.served)]
        for split in self.empty:
            lines.append(f'ERROR: split {split!r} has no records '
                         f'({self.dataset_type} needs '
                         f'{", ".join(self.file_splits)})')
        if self.images_checked:
            lines.append(f'unusable images: {len(self.problems)} of '
                         f'{self.num_records}')
            for p in self.problems[:SHOW_PROBLEMS]:
                lines.append(f'  record {p.record} (split {p.split}, id '
                             f'{p.pid}): {p.path}: {p.problem}')
            if len(self.problems) > SHOW_PROBLEMS:
                lines.append(f'  ... and {len(self.problems) - SHOW_PROBLEMS}'
                             ' more')
        lines.append('usable' if self.usable else 'NOT USABLE')
        return '\n'.join(lines)


def dataset_report(dataset: str, data_root: str,
                   ann_file: Optional[str] = None,
                   check_images: bool = False,
                   workers: int = 1) -> DatasetReport:
    """Read a data set's annotation file and say whether it is usable.

    Args:
        dataset (str): A format name (``cuhk-pedes``, ``icfg-pedes``,
            ``rstpreid``) or a reader type name.
        data_root (str): The data set folder.
        ann_file (str, optional): Annotation file relative to
            ``data_root``. Defaults to None (the format's own).
        check_images (bool): Decode every image. Defaults to False.
        workers (int): Processes decoding images. Defaults to 1.

    Returns:
        DatasetReport: Sizes, comparison and problems.

    Raises:
        InputError: ``dataset`` names no known format or reader.
        AnnotationError: The annotation file cannot be read or parsed.
    """
    try:
        dataset_type = resolve_type(dataset)
    except KeyError as error:
        raise InputError(
            f'unknown data set {dataset!r}: expected cuhk-pedes, '
            'icfg-pedes, rstpreid or a registered reader type name'
        ) from error
    kwargs = dict(ann_file=ann_file)
    reader = build_reader(dataset_type, data_root, **kwargs,
                          **FILE_VIEW_KWARGS.get(dataset_type, {}))
    records = reader.load_records()
    stats = split_statistics(records)
    served = None
    if dataset_type in FILE_VIEW_KWARGS:
        served = split_statistics(
            build_reader(dataset_type, data_root, **kwargs).load_records())
    return DatasetReport(
        dataset_type=dataset_type, data_root=data_root,
        ann_file=reader.ann_file, file_splits=list(reader.file_splits),
        num_records=len(records), stats=stats,
        comparisons=compare_with_known(dataset_type, stats),
        empty=empty_splits(reader, stats), images_checked=check_images,
        problems=(image_problems(reader, records, workers)
                  if check_images else []),
        served=served)
