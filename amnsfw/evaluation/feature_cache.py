"""A gallery's features on disk, refused once its checkpoint or files change.

Encoding a gallery is the slow part of answering queries against it (a demo,
re-ranking experiments, several query sets against one gallery). The cache
is one ``.pt`` file holding the features, the person ids and a fingerprint
of what produced them::

    fingerprint = feature_fingerprint(checkpoint, image_paths,
                                      pipeline=str(cfg.test_pipeline))
    try:
        feats, pids = load_feature_cache('gallery.pt', fingerprint)
    except FileNotFoundError:
        feats, pids = encode_gallery(...)
        save_feature_cache('gallery.pt', feats, pids, fingerprint)

It is written atomically and read with ``torch.load(weights_only=True)``:
tensors, strings and integers only, no pickled code.
"""
import hashlib
import io
import os
import os.path as osp
from pathlib import Path
from typing import Dict, Iterable, Tuple, Union

import torch
from torch import Tensor

from amnsfw.engine.atomic_local_backend import atomic_write
from amnsfw.evaluation.functional.ranking_metrics import Features

#: Version of the cache layout; a file of another version is stale.
CACHE_FORMAT = 1
PathLike = Union[str, Path]


class StaleFeatureCacheError(ValueError):
    """A feature cache was made from another checkpoint, files or options."""


def feature_fingerprint(
        checkpoint: PathLike, files: Iterable[PathLike],
        **extra: Union[str, int]) -> Dict[str, Union[str, int]]:
    """What the gallery features depend on, in a comparable form.

    Args:
        checkpoint (str | Path): The checkpoint that encoded the gallery;
            its absolute path, modification time (ns) and size are kept.
        files (Iterable[str | Path]): The gallery's files in gallery order;
            the SHA-256 of their paths (in this order: the order is the
            gallery index) and their count are kept.
        **extra (str | int): Anything else the features depend on, e.g.
            the test pipeline's text.

    Returns:
        dict: ``checkpoint``, ``checkpoint_mtime_ns``, ``checkpoint_size``,
        ``num_files``, ``files_sha256`` and the ``extra`` items.
    """
    stat = os.stat(checkpoint)
    digest = hashlib.sha256()
    num_files = 0
    for path in files:
        digest.update(os.fsencode(str(path)) + b'\0')
        num_files += 1
    fingerprint = dict(checkpoint=osp.abspath(str(checkpoint)),
                       checkpoint_mtime_ns=stat.st_mtime_ns,
                       checkpoint_size=stat.st_size,
                       num_files=num_files,
                       files_sha256=digest.hexdigest())
    clashes = set(extra) & set(fingerprint)
    if clashes:
        raise ValueError(f'extra fingerprint keys {sorted(clashes)} clash '
                         f'with the built-in ones')
    for key, value in extra.items():
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            raise TypeError(f'extra fingerprint item {key!r} must be a str '
                            f'or int, got {type(value).__name__}')
    fingerprint.update(extra)
    return fingerprint


def _named(feats: Features) -> Dict[str, Tensor]:
    return {'feats': feats} if isinstance(feats, Tensor) else dict(feats)


def save_feature_cache(path: PathLike, feats: Features, pids: Tensor,
                       fingerprint: Dict[str, Union[str, int]]) -> None:
    """Write a gallery's features, ids and fingerprint to ``path``.

    Args:
        path (str | Path): The ``.pt`` file to (over)write, atomically.
        feats (Tensor | Mapping[str, Tensor]): (G, D) features, or a dict
            of them by embedding name.
        pids (Tensor): (G,) person ids.
        fingerprint (dict): From :func:`feature_fingerprint`.
    """
    named = _named(feats)
    for name, value in named.items():
        if value.dim() != 2 or value.shape[0] != pids.shape[0]:
            raise ValueError(
                f'features {name!r} must be ({pids.shape[0]}, D) to match '
                f'{pids.shape[0]} pids, got {tuple(value.shape)}')
    buffer = io.BytesIO()
    torch.save(
        dict(format=CACHE_FORMAT,
             fingerprint=dict(fingerprint),
             tensor=isinstance(feats, Tensor),
             feats={
                 name: value.detach().cpu().contiguous()
                 for name, value in named.items()
             },
             pids=pids.detach().cpu()), buffer)
    atomic_write(buffer.getvalue(), path)


def load_feature_cache(
        path: PathLike,
        fingerprint: Dict[str, Union[str, int]]) -> Tuple[Features, Tensor]:
    """Read a cache written by :func:`save_feature_cache`, if still valid.

    Args:
        path (str | Path): The ``.pt`` file.
        fingerprint (dict): The current :func:`feature_fingerprint`; it must
            equal the cached one.

    Returns:
        tuple: The features (a tensor or a dict, as saved) and the pids.

    Raises:
        FileNotFoundError: If there is no cache at ``path``.
        StaleFeatureCacheError: If the cache was made from another
            checkpoint, files or options (each difference is named).
    """
    cache = torch.load(path, map_location='cpu', weights_only=True)
    if cache.get('format') != CACHE_FORMAT:
        raise StaleFeatureCacheError(
            f'feature cache {path} has format {cache.get("format")!r}, '
            f'expected {CACHE_FORMAT}; delete it to re-encode the gallery')
    cached = cache['fingerprint']
    changes = [
        f'{key}: cached {cached.get(key, "<missing>")!r}, now '
        f'{fingerprint.get(key, "<missing>")!r}'
        for key in sorted(set(cached) | set(fingerprint))
        if cached.get(key) != fingerprint.get(key)
    ]
    if changes:
        raise StaleFeatureCacheError(
            f'feature cache {path} is stale (' + '; '.join(changes) +
            '); delete it or use another path to re-encode the gallery')
    feats = cache['feats']['feats'] if cache['tensor'] else cache['feats']
    return feats, cache['pids']
