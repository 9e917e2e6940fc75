"""A FAISS index of gallery embeddings, searched by the metric's similarity.

The evaluation scores a query and an image by the cosine similarity of
each named embedding, averaged over the E embeddings
(:func:`~amnsfw.evaluation.functional.ranking_metrics.similarity`). With
every embedding L2-normalised and scaled by ``1 / sqrt(E)``, then
concatenated (:func:`search_vectors`), the inner product of a query's and
an image's vectors is exactly that average::

    <[q_1, ..., q_E] / sqrt(E), [g_1, ..., g_E] / sqrt(E)>
        = (1/E) sum_e cos(q_e, g_e)

so an inner-product index ranks as the metric does: exactly with
``kind='flat'``, approximately (and much faster at millions of images)
with ``'ivf'`` or ``'hnsw'``. We use FAISS, the field's library for this.
"""
import json
import math
import os
import os.path as osp
from typing import Dict, List, Mapping, Optional, Tuple

import faiss
import numpy as np
import torch
import torch.nn.functional as F

#: Index kinds: exact inner product, inverted lists, a navigable graph.
INDEX_KINDS = ('flat', 'ivf', 'hnsw')
INDEX_FILE = 'index.faiss'
META_FILE = 'index.json'


class StaleIndexError(ValueError):
    """A saved index was built by another model than the one searching."""


def search_vectors(features: Mapping[str, torch.Tensor],
                   names: List[str]) -> np.ndarray:
    """One float32 row per item whose inner products are the similarity.

    Each named embedding is L2-normalised and scaled by ``1 / sqrt(E)``,
    then the E embeddings are concatenated in the order of ``names``.

    Args:
        features (Mapping[str, Tensor]): (N, D_e) embeddings by name.
        names (List[str]): The embedding names, in index order.

    Returns:
        np.ndarray: (N, sum_e D_e) C-contiguous float32 vectors.

    Raises:
        ValueError: If the names differ from ``names`` or a value is NaN or
            infinite.
    """
    if sorted(features) != sorted(names):
        raise ValueError(f'expected the embeddings {sorted(names)}, got '
                         f'{sorted(features)}')
    parts = []
    for name in names:
        value = features[name].detach().float().cpu()
        if value.dim() != 2:
            raise ValueError(f'embedding {name!r} must be an (N, D) matrix, '
                             f'got shape {tuple(value.shape)}')
        if not torch.isfinite(value).all():
            raise ValueError(f'embedding {name!r} has NaN or infinite values')
        parts.append(F.normalize(value, dim=1) / math.sqrt(len(names)))
    return np.ascontiguousarray(torch.cat(parts, dim=1).numpy())


class GalleryIndex:
    """Gallery embeddings in a FAISS inner-product index.

    Items keep the order they were added in: a search returns positions in
    that order.

    Args:
        dims (Mapping[str, int]): Dimension of each named embedding.
        fingerprint (str): Identifies the model whose embeddings these are
            (:func:`~amnsfw.apis.model_fingerprint.model_fingerprint`); a
            saved index is only loaded for the same one.
        kind (str): ``'flat'`` (exact), ``'ivf'`` or ``'hnsw'``
            (approximate). Defaults to ``'flat'``.
        nlist (int, optional): With ``'ivf'``, the number of inverted lists,
            trained on the first items added (at least as many). Defaults to
            ``4 * sqrt(N)`` of that first batch.
        nprobe (int): With ``'ivf'``, lists visited per query. Defaults to
            32.
        hnsw_m (int): With ``'hnsw'``, links per node. Defaults to 32.
        ef_search (int): With ``'hnsw'``, the search's candidate list.
            Defaults to 128.
    """

    def __init__(self, dims: Mapping[str, int], fingerprint: str,
                 kind: str = 'flat', nlist: Optional[int] = None,
                 nprobe: int = 32, hnsw_m: int = 32,
                 ef_search: int = 128) -> None:
        if kind not in INDEX_KINDS:
            raise ValueError(f'index kind must be one of {INDEX_KINDS}, got '
                             f'{kind!r}')
        if not dims:
            raise ValueError('an index needs at least one embedding')
        self.dims = dict(dims)
        self.names = sorted(self.dims)
        self.fingerprint = fingerprint
        self.kind = kind
        self.settings = dict(nlist=nlist, nprobe=nprobe, hnsw_m=hnsw_m,
                             ef_search=ef_search)
        self.dim = sum(self.dims.values())
        self.faiss_index = self._empty_index()

    def __len__(self) -> int:
        return 0 if self.faiss_index is None else self.faiss_index.ntotal

    def _empty_index(self) -> Optional[faiss.Index]:
        """A new index; an IVF one waits for its first items (training)."""
        if self.kind == 'flat':
            return faiss.IndexFlatIP(self.dim)
        if self.kind == 'hnsw':
            index = faiss.IndexHNSWFlat(self.dim, self.settings['hnsw_m'],
                                        faiss.METRIC_INNER_PRODUCT)
            index.hnsw.efSearch = self.settings['ef_search']
            return index
        return None

    def _vectors(self, features: Mapping[str, torch.Tensor],
                 side: str) -> np.ndarray:
        """Checked search vectors of one side."""
        if sorted(features) != self.names:
            raise ValueError(f'{side} embeddings must be {self.names} (as '
                             f'the index), got {sorted(features)}')
        for name in self.names:
            got = features[name].shape[-1]
            if got != self.dims[name]:
                raise ValueError(
                    f'{side} embedding {name!r} has dimension {got}, the '
                    f'index {self.dims[name]}')
        return search_vectors(features, self.names)

    def add(self, features: Mapping[str, torch.Tensor]) -> None:
        """Append gallery items.

        Args:
            features (Mapping[str, Tensor]): (N, D_e) embeddings by name.

        Raises:
            ValueError: If there are no items, names or dimensions differ
                from the index's, a value is NaN or infinite, or the first
                items of an IVF index are fewer than its lists.
        """
        vectors = self._vectors(features, 'gallery')
        if not len(vectors):
            raise ValueError('there are no gallery items to add')
        if self.faiss_index is None:
            self.faiss_index = self._trained_ivf(vectors)
        self.faiss_index.add(vectors)

    def _trained_ivf(self, vectors: np.ndarray) -> faiss.Index:
        """An IVF index whose lists are trained on ``vectors``."""
        nlist = self.settings['nlist'] or max(
            1, int(4 * math.sqrt(len(vectors))))
        if len(vectors) < nlist:
            raise ValueError(
                f'an IVF index with {nlist} lists is trained on its first '
                f'items and needs at least {nlist}, got {len(vectors)}; add '
                "more at once, lower nlist or use kind='flat'")
        self.settings['nlist'] = nlist
        index = faiss.IndexIVFFlat(faiss.IndexFlatIP(self.dim), self.dim,
                                   nlist, faiss.METRIC_INNER_PRODUCT)
        index.train(vectors)
        index.nprobe = self.settings['nprobe']
        return index

    def search(self, features: Mapping[str, torch.Tensor],
               k: int) -> Tuple[np.ndarray, np.ndarray]:
        """The ``k`` best gallery items of each query.

        Args:
            features (Mapping[str, Tensor]): (Q, D_e) query embeddings by
                name.
            k (int): Hits per query, at most the gallery size.

        Returns:
            Tuple[np.ndarray, np.ndarray]: ``scores`` (Q, k) float32 (the
            similarity), best first, and ``positions`` (Q, k) int64 in
            the order items were added.

        Raises:
            ValueError: If the index is empty, ``k`` is not in
                ``[1, len(self)]``, or the queries are invalid.
        """
        if not len(self):
            raise ValueError('the gallery index is empty: add images first')
        if isinstance(k, bool) or not isinstance(k, int) or k < 1:
            raise ValueError(f'k must be a positive integer, got {k!r}')
        if k > len(self):
            raise ValueError(f'k={k} is larger than the gallery '
                             f'({len(self)} images)')
        vectors = self._vectors(features, 'query')
        if not len(vectors):
            raise ValueError('there are no queries')
        return self.faiss_index.search(vectors, k)

    def save(self, directory: str) -> None:
        """Write the index and what identifies it to ``directory``."""
        if not len(self):
            raise ValueError('the gallery index is empty: nothing to save')
        os.makedirs(directory, exist_ok=True)
        faiss.write_index(self.faiss_index, osp.join(directory, INDEX_FILE))
        meta = dict(fingerprint=self.fingerprint, kind=self.kind,
                    dims=self.dims, settings=self.settings, size=len(self))
        with open(osp.join(directory, META_FILE), 'w',
                  encoding='utf-8') as file:
            json.dump(meta, file, indent=1)

    @classmethod
    def load(cls, directory: str, fingerprint: str) -> 'GalleryIndex':
        """Read an index saved by :meth:`save`, for the model identified
        by ``fingerprint``.

        Raises:
            FileNotFoundError: If ``directory`` holds no saved index.
            StaleIndexError: If another model built it.
        """
        meta_path = osp.join(directory, META_FILE)
        if not osp.isfile(meta_path):
            raise FileNotFoundError(f'no saved gallery index in {directory} '
                                    f'(no {META_FILE})')
        with open(meta_path, encoding='utf-8') as file:
            meta = json.load(file)
        if meta['fingerprint'] != fingerprint:
            raise StaleIndexError(
                f'the gallery index in {directory} is stale: it was built by '
                f"model {meta['fingerprint'][:12]}, this is model "
                f'{fingerprint[:12]}; rebuild it with this model')
        index = cls(meta['dims'], fingerprint, meta['kind'],
                    **meta['settings'])
        index.faiss_index = faiss.read_index(osp.join(directory, INDEX_FILE))
        if len(index) != meta['size']:
            raise ValueError(f'the gallery index in {directory} holds '
                             f'{len(index)} items, its {META_FILE} says '
                             f"{meta['size']}")
        return index

    @staticmethod
    def dims_of(features: Dict[str, torch.Tensor]) -> Dict[str, int]:
        """Dimension of each named embedding of (N, D_e) features."""
        return {name: int(value.shape[-1]) for name, value in
                features.items()}
