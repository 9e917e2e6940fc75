"""What the search page asks of a model and its gallery, without HTTP."""
import os.path as osp
import threading
from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple

import torch

from amnsfw.apis import TextImageSearcher
from amnsfw.evaluation.functional.ranking_metrics import (retrieval_metrics,
                                                          similarity)
from .gallery import Gallery, SplitCaption


class QueryError(ValueError):
    """A query the model cannot answer (the client's to fix)."""


class NotFound(LookupError):
    """A gallery image or caption that does not exist."""


@dataclass(frozen=True)
class Hit:
    """One ranked gallery image.

    Args:
        rank (int): 1-based rank.
        index (int): Gallery index.
        score (float): The searcher's similarity.
        pid (int, optional): The image's person id, where known.
        relevant (bool, optional): Whether it shows the query's person,
            where known (a split caption as query).
    """

    rank: int
    index: int
    score: float
    pid: Optional[int]
    relevant: Optional[bool]


@dataclass(frozen=True)
class SearchResult:
    """A query's top hits and, for a split caption, its metrics.

    Args:
        text (str): The query.
        hits (List[Hit]): Best first.
        caption (SplitCaption, optional): The split caption the query is.
        metrics (Dict[str, float], optional): With a caption, its ``R1``
            and ``AP`` (percent) over the whole gallery, as the evaluation
            computes them.
    """

    text: str
    hits: List[Hit]
    caption: Optional[SplitCaption] = None
    metrics: Optional[Dict[str, float]] = None


class SearchService:
    """Indexes a gallery with a searcher and answers the page's questions.

    The searcher's model runs one request at a time (a lock): PyTorch
    modules are not documented as safe to call from several threads, and
    each call already uses all intra-op threads.

    Args:
        searcher (TextImageSearcher): The model, with no gallery yet.
        gallery (Gallery): The images to index and serve.
        model_description (str): One line naming the model. Defaults to
            ``''``.
        batch_size (int): Images encoded at a time. Defaults to 64.
        progress (bool): Show the indexing progress on stderr. Defaults to
            True.
    """

    def __init__(self, searcher: TextImageSearcher, gallery: Gallery,
                 model_description: str = '', batch_size: int = 64,
                 progress: bool = True) -> None:
        self.searcher = searcher
        self.gallery = gallery
        self.model_description = model_description
        self._lock = threading.Lock()
        self._gallery_features = searcher.index(
            list(gallery.paths), batch_size=batch_size, progress=progress)
        self._caption_features = None
        if gallery.captions:
            self._caption_features = searcher.encode_queries(
                [c.text for c in gallery.captions])

    def search(self, text: str, k: int,
               caption_index: Optional[int] = None) -> SearchResult:
        """The top ``k`` images for ``text``.

        Args:
            text (str): The query.
            k (int): Hits wanted (all images if the gallery is smaller).
            caption_index (int, optional): The split caption ``text`` is:
                hits are then marked relevant or not, and the result has
                the query's R@1 and AP. Defaults to None.

        Raises:
            QueryError: The model's vocabulary knows no word of ``text``,
                or ``caption_index`` is not a caption whose text is
                ``text``.
        """
        caption = None if caption_index is None else self.caption(
            caption_index)
        if caption is not None and caption.text != text:
            raise QueryError(f'caption {caption_index} is {caption.text!r}, '
                             f'not the query {text!r}')
        self._check_words(text)
        with self._lock:
            ranking = self.searcher.search(
                [text], k=min(k, len(self.gallery)))[0]
            metrics = None if caption is None else self._metrics(caption)
        pids = self.gallery.pids
        hits = [Hit(rank=rank, index=index, score=score,
                    pid=None if pids is None else pids[index],
                    relevant=None if caption is None else
                    pids[index] == caption.pid)
                for rank, (index, score) in enumerate(ranking, start=1)]
        return SearchResult(text=text, hits=hits, caption=caption,
                            metrics=metrics)

    def similar_captions(self, text: str,
                         n: int) -> List[Tuple[SplitCaption, float]]:
        """The split's ``n`` captions closest to ``text`` (cosine of the
        text embeddings), best first.

        Raises:
            NotFound: The gallery is a folder, with no captions.
            QueryError: The model's vocabulary knows no word of ``text``.
        """
        if self._caption_features is None:
            raise NotFound(f'the gallery ({self.gallery.description}) has '
                           'no captions: serve a --split to compare them')
        self._check_words(text)
        with self._lock:
            query = self.searcher.encode_queries([text])
        scores = similarity(query, self._caption_features)[0]
        top = scores.topk(min(n, len(scores)))
        return [(self.gallery.captions[i], score) for i, score in
                zip(top.indices.tolist(), top.values.tolist())]

    def caption(self, index: int) -> SplitCaption:
        """Split caption ``index``.

        Raises:
            NotFound: There is no such caption.
        """
        if not 0 <= index < len(self.gallery.captions):
            raise NotFound(f'no caption {index}: the gallery '
                           f'({self.gallery.description}) has '
                           f'{len(self.gallery.captions)} captions')
        return self.gallery.captions[index]

    def image_path(self, index: str) -> str:
        """The file of gallery image ``index`` (a decimal string, as a URL
        gives it); only indexed images are ever returned.

        Raises:
            NotFound: ``index`` is no gallery index, or its file is gone.
        """
        number = self.image_index(index)
        path = self.gallery.paths[number]
        if not osp.isfile(path):
            raise NotFound(f'the file of gallery image {number} '
                           f'({self.gallery.name(number)}) is missing')
        return path

    def image_index(self, index: str) -> int:
        """``index`` as a gallery index.

        Raises:
            NotFound: It is not a decimal number in ``[0, len(gallery))``.
        """
        if not (index.isascii() and index.isdigit()) \
                or int(index) >= len(self.gallery):
            raise NotFound(f'no gallery image {index!r}: the gallery has '
                           f'images 0 to {len(self.gallery) - 1}')
        return int(index)

    def _check_words(self, text: str) -> None:
        """Refuse text whose words the tokenizer maps to no known id."""
        tokenizer = self.searcher.model.tokenizer
        try:
            ids = tokenizer.encode(text)
        except ValueError as error:
            raise QueryError(str(error)) from error
        if all(i in tokenizer.special_ids for i in ids):
            raise QueryError(
                f'the model knows none of the words of {text[:80]!r}: its '
                f'vocabulary ({tokenizer.vocab_size} tokens) is that of its '
                'training captions (English); describe the person in it')

    def _metrics(self, caption: SplitCaption) -> Dict[str, float]:
        """R@1 and AP of a split caption over the whole gallery."""
        result = retrieval_metrics(
            self.searcher.encode_queries([caption.text]),
            self._gallery_features, torch.tensor([caption.pid]),
            torch.tensor(self.gallery.pids), ks=(1, ))
        return dict(R1=result['R1'], AP=result['mAP'])
