"""Writing a SynthPEDES data set to disk in a native data set format.

Layout under ``<root>/SynthPEDES/`` (the default, CUHK-PEDES format)::

    reid_raw.json          CUHK-PEDES records (written last, atomically)
    attributes.json        identity attributes and per-caption mentions
    synthpedes_meta.json   generation parameters and the summary
    imgs/<split>/<id>_<k>.jpg

Identities ``1..T`` are train, the next ``V`` val and the last ``S`` test,
so ids are 1-based, unique and disjoint across splits. Everything is drawn
from string-seeded ``random.Random`` streams (one per identity table, image
and caption set), so a seed fixes every byte and no global state is used.

The other formats (:data:`FORMATS`) draw the same people, images and
captions and differ only in how they are written:

* ``'icfg-pedes'``: ``<root>/SynthPEDES-ICFG/ICFG-PEDES.json``, CUHK-PEDES
  fields, 0-based ids (``id - 1``), only the first caption of each image,
  and no val split: the ``V`` val identities are written as train
  identities (so train has ``T + V``), since the ICFG-PEDES reader carves
  its own val split from train.
* ``'rstpreid'``: ``<root>/SynthPEDES-RSTP/data_captions.json``, records
  ``{id, img_path, captions, split}`` with 0-based ids, train/val/test.

``attributes.json`` is keyed by the ids and image paths as written. The
oracle is computed on the captions as written (one per image for ICFG);
:func:`~.oracle.oracle_scores` reads only the CUHK-PEDES format.
"""
import json
import os
import random
import shutil
import time
from dataclasses import asdict, dataclass, field
from typing import Dict, List, Optional, Tuple

from .attributes import Identity, sample_identity
from .captions import tokenize, write_caption
from .oracle import ANNOTATION_FILE, ATTRIBUTE_FILE, evaluate_oracle
from .scene import render_image

DATASET_NAME = 'SynthPEDES'
META_FILE = 'synthpedes_meta.json'
IMAGE_DIR = 'imgs'
SPLITS = ('train', 'val', 'test')
CAPTIONS_PER_IMAGE = 2
JPEG_QUALITY = 90
#: Bump when the generator changes, so old data sets are not reused.
FORMAT_VERSION = 1


@dataclass(frozen=True)
class NativeFormat:
    """How one native format writes the generated people.

    Args:
        dataset_name (str): Folder under the data root.
        ann_file (str): Annotation file name.
        image_field (str): Record field holding the image path.
        id_base (int): Id of the first identity (1 or 0).
        splits (tuple[str, ...]): Splits of the file; without ``'val'`` the
            val identities are written as train identities.
        captions_per_image (int): Captions kept per image (the first ones).
        processed_tokens (bool): Whether records carry
            ``processed_tokens``.
    """

    dataset_name: str
    ann_file: str
    image_field: str
    id_base: int
    splits: Tuple[str, ...]
    captions_per_image: int
    processed_tokens: bool


DEFAULT_FORMAT = 'cuhk-pedes'
#: The native formats the generator writes, by name.
FORMATS = {
    'cuhk-pedes':
    NativeFormat(DATASET_NAME, ANNOTATION_FILE, 'file_path', 1, SPLITS,
                 CAPTIONS_PER_IMAGE, True),
    'icfg-pedes':
    NativeFormat('SynthPEDES-ICFG', 'ICFG-PEDES.json', 'file_path', 0,
                 ('train', 'test'), 1, True),
    'rstpreid':
    NativeFormat('SynthPEDES-RSTP', 'data_captions.json', 'img_path', 0,
                 SPLITS, CAPTIONS_PER_IMAGE, False),
}


@dataclass
class SplitCounts:
    """Sizes of one split.

    Args:
        ids (int): Number of identities.
        images (int): Number of images.
        captions (int): Number of captions.
    """

    ids: int = 0
    images: int = 0
    captions: int = 0


@dataclass
class SynthPEDESSummary:
    """What :func:`generate_synthpedes` produced (or found).

    Args:
        path (str): The ``SynthPEDES`` folder.
        splits (dict[str, SplitCounts]): Sizes per split.
        oracle_r1 (float): Oracle R@1 on test, in percent (ties broken with
            seed 0, as :func:`~.oracle.oracle_scores` does by default).
        oracle_map (float): Oracle mAP on test, in percent.
        chance_r1 (float): R@1 of a random ranking on test, in percent.
        seconds (float): Wall time of this call.
        generated (bool): False when an existing data set was reused.
            Defaults to True.
    """

    path: str
    splits: Dict[str, SplitCounts] = field(default_factory=dict)
    oracle_r1: float = 0.0
    oracle_map: float = 0.0
    chance_r1: float = 0.0
    seconds: float = 0.0
    generated: bool = True

    def format_table(self) -> str:
        """Return a printable table of sizes and oracle metrics."""
        lines = [
            f'SynthPEDES at {self.path}',
            f'{"split":<6} {"ids":>6} {"images":>7} {"captions":>9}'
        ]
        for name, counts in self.splits.items():
            lines.append(f'{name:<6} {counts.ids:>6} {counts.images:>7} '
                         f'{counts.captions:>9}')
        lines.append(f'test oracle: R@1 {self.oracle_r1:.2f}%  '
                     f'mAP {self.oracle_map:.2f}%  '
                     f'(chance R@1 {self.chance_r1:.2f}%)')
        verb = 'generated' if self.generated else 'found'
        lines.append(f'{verb} in {self.seconds:.1f} s')
        return '\n'.join(lines)

    def __str__(self) -> str:
        return self.format_table()


def _write_json(path: str, data) -> None:
    """Write ``data`` to ``path`` atomically (temporary file + rename)."""
    temporary = path + '.tmp'
    with open(temporary, 'w', encoding='utf-8') as file:
        json.dump(data, file)
    os.replace(temporary, path)


def _read_meta(dataset_dir: str, ann_file: str = ANNOTATION_FILE) -> Dict:
    """Return the meta data of a complete data set, or ``{}``."""
    meta_path = os.path.join(dataset_dir, META_FILE)
    complete = all(
        os.path.isfile(os.path.join(dataset_dir, name))
        for name in (ann_file, ATTRIBUTE_FILE, META_FILE))
    if not complete:
        return {}
    with open(meta_path, encoding='utf-8') as file:
        return json.load(file)


def _split_of(pid: int,
              num_train: int,
              num_val: int,
              splits: Tuple[str, ...] = SPLITS) -> str:
    """Return the split of 1-based identity ``pid`` (val identities are
    train when ``splits`` has no val)."""
    if pid <= num_train:
        return 'train'
    if pid <= num_train + num_val:
        return 'val' if 'val' in splits else 'train'
    return 'test'


def _record(fmt: NativeFormat, split: str, file_id: int, file_path: str,
            captions: List[str]) -> Dict:
    """One annotation record in the fields (and field order) of ``fmt``."""
    if fmt.image_field == 'img_path':  # RSTPReid
        return {
            'id': file_id,
            'img_path': file_path,
            'captions': captions,
            'split': split
        }
    record = {
        'split': split,
        'id': file_id,
        fmt.image_field: file_path,
        'captions': captions
    }
    if fmt.processed_tokens:
        record['processed_tokens'] = [tokenize(text) for text in captions]
    return record


def _write_identity(
        dataset_dir: str,
        pid: int,
        split: str,
        person: Identity,
        params: Dict,
        fmt: Optional[NativeFormat] = None
) -> Tuple[List[Dict], Dict[str, List]]:
    """Render and save all images of one identity; return their records."""
    fmt = fmt or FORMATS[DEFAULT_FORMAT]
    seed, size = params['seed'], tuple(params['image_size'])
    file_id = pid - 1 + fmt.id_base
    records, mentions = [], {}
    for index in range(params['images_per_id']):
        file_path = f'{split}/{file_id:05d}_{index}.jpg'
        image_rng = random.Random(f'synthpedes/{seed}/image/{pid}/{index}')
        render_image(person, image_rng, size).save(
            os.path.join(dataset_dir, IMAGE_DIR, file_path),
            quality=JPEG_QUALITY)
        caption_rng = random.Random(f'synthpedes/{seed}/caption/{pid}/{index}')
        # Always draw every caption, so the streams match across formats.
        captions = [
            write_caption(person, caption_rng)
            for _ in range(CAPTIONS_PER_IMAGE)
        ][:fmt.captions_per_image]
        records.append(
            _record(fmt, split, file_id, file_path,
                    [text for text, _ in captions]))
        mentions[file_path] = [list(keys) for _, keys in captions]
    return records, mentions


def _check_sizes(params: Dict) -> None:
    """Raise ValueError for sizes that cannot make a data set."""
    minimum = {
        'num_train_ids': 1,
        'num_val_ids': 0,
        'num_test_ids': 1,
        'images_per_id': 1
    }
    for name, low in minimum.items():
        if params[name] < low:
            raise ValueError(f'{name} must be >= {low}, got {params[name]}')
    if min(params['image_size']) < 16:
        raise ValueError('image_size must be at least (16, 16), got '
                         f'{tuple(params["image_size"])}')


def generate_synthpedes(root: str,
                        *,
                        seed: int = 0,
                        num_train_ids: int = 1000,
                        num_val_ids: int = 100,
                        num_test_ids: int = 200,
                        images_per_id: int = 4,
                        image_size: Tuple[int, int] = (192, 64),
                        force: bool = False,
                        format: str = DEFAULT_FORMAT) -> SynthPEDESSummary:
    """Generate SynthPEDES under ``<root>/SynthPEDES`` unless already there.

    A data set whose ``synthpedes_meta.json`` records the same parameters is
    reused unless ``force``. Otherwise the old annotation file is removed
    first and written again last, so an interrupted run never looks
    complete.

    Args:
        root (str): Data root; the data set goes to ``<root>/SynthPEDES``.
        seed (int): Seed of everything random. Defaults to 0.
        num_train_ids (int): Train identities. Defaults to 1000.
        num_val_ids (int): Validation identities. Defaults to 100.
        num_test_ids (int): Test identities. Defaults to 200.
        images_per_id (int): Images per identity. Defaults to 4.
        image_size (tuple[int, int]): Image (height, width).
            Defaults to (192, 64).
        force (bool): Regenerate even if an identical data set exists.
            Defaults to False.
        format (str): Native format to write, a key of :data:`FORMATS`:
            ``'cuhk-pedes'`` (``<root>/SynthPEDES/reid_raw.json``),
            ``'icfg-pedes'`` (``<root>/SynthPEDES-ICFG/ICFG-PEDES.json``;
            val identities become train identities, one caption per image)
            or ``'rstpreid'`` (``<root>/SynthPEDES-RSTP/data_captions.json``).
            Defaults to 'cuhk-pedes'.

    Returns:
        SynthPEDESSummary: Sizes, test oracle and timing.
    """
    start = time.perf_counter()
    if format not in FORMATS:
        raise ValueError(f'format must be one of {list(FORMATS)}, got '
                         f'{format!r}')
    fmt = FORMATS[format]
    dataset_dir = os.path.join(root, fmt.dataset_name)
    params = dict(
        format_version=FORMAT_VERSION,
        seed=seed,
        num_train_ids=num_train_ids,
        num_val_ids=num_val_ids,
        num_test_ids=num_test_ids,
        images_per_id=images_per_id,
        image_size=list(image_size))
    if format != DEFAULT_FORMAT:  # so existing default data sets are reused
        params['format'] = format
    _check_sizes(params)
    meta = _read_meta(dataset_dir, fmt.ann_file)
    if not force and meta.get('params') == params:
        summary = _summary_from_dict(meta['summary'])
        summary.path, summary.generated = dataset_dir, False
        summary.seconds = time.perf_counter() - start
        return summary

    annotation_path = os.path.join(dataset_dir, fmt.ann_file)
    if os.path.exists(annotation_path):
        os.remove(annotation_path)
    shutil.rmtree(os.path.join(dataset_dir, IMAGE_DIR), ignore_errors=True)
    for split in fmt.splits:
        os.makedirs(os.path.join(dataset_dir, IMAGE_DIR, split))

    identity_rng = random.Random(f'synthpedes/{seed}/identities')
    num_ids = num_train_ids + num_val_ids + num_test_ids
    identities = {
        pid: sample_identity(identity_rng)
        for pid in range(1, num_ids + 1)
    }
    summary = SynthPEDESSummary(
        path=dataset_dir,
        splits={split: SplitCounts()
                for split in fmt.splits})
    records, mentions = [], {}
    for pid, person in identities.items():
        split = _split_of(pid, num_train_ids, num_val_ids, fmt.splits)
        new_records, new_mentions = _write_identity(dataset_dir, pid, split,
                                                    person, params, fmt)
        records += new_records
        mentions.update(new_mentions)
        counts = summary.splits[split]
        counts.ids += 1
        counts.images += len(new_records)
        counts.captions += fmt.captions_per_image * len(new_records)

    attributes = {
        pid - 1 + fmt.id_base: person.attributes()
        for pid, person in identities.items()
    }
    # The oracle reads CUHK-PEDES field names.
    oracle_records = [
        dict(split=r['split'], id=r['id'], file_path=r[fmt.image_field])
        for r in records
    ]
    oracle = evaluate_oracle(oracle_records, attributes, mentions, 'test')
    summary.oracle_r1, summary.oracle_map = oracle.r1, oracle.mean_ap
    summary.chance_r1 = oracle.chance_r1
    summary.seconds = time.perf_counter() - start
    _write_json(
        os.path.join(dataset_dir, ATTRIBUTE_FILE), {
            'identities': {
                str(pid): attrs
                for pid, attrs in attributes.items()
            },
            'mentions': mentions,
        })
    _write_json(
        os.path.join(dataset_dir, META_FILE), {
            'params': params,
            'summary': asdict(summary)
        })
    _write_json(annotation_path, records)
    return summary


def _summary_from_dict(data: Dict) -> SynthPEDESSummary:
    """Rebuild a summary saved with :func:`dataclasses.asdict`."""
    splits = {
        name: SplitCounts(**counts)
        for name, counts in data.pop('splits').items()
    }
    return SynthPEDESSummary(splits=splits, **data)
