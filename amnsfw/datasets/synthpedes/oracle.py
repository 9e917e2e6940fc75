"""The perfect attribute matcher: an upper bound for SynthPEDES retrieval.

Every caption of a split is a query and every image of the split a gallery
entry. The oracle knows all attributes and reads captions perfectly, so it
scores an image 1 when its identity has *every* attribute the caption
mentions and 0 otherwise. Images that tie are ranked in a uniformly random
(seeded) order. An image is relevant when it shows the caption's identity;
that identity always scores 1, so the oracle misses only because a caption
also fits other people. The numbers bound what any model can reach from
the captions, and the chance level (``n_relevant / gallery_size`` averaged
over queries) bounds it from below.
"""
import json
import os
from dataclasses import dataclass
from typing import Dict, Mapping, Sequence, Tuple

import numpy as np

from .attributes import AttributeValue

ANNOTATION_FILE = 'reid_raw.json'
ATTRIBUTE_FILE = 'attributes.json'


@dataclass(frozen=True)
class OracleResult:
    """Retrieval metrics of the oracle on one split, in percent.

    Args:
        r1 (float): Recall at rank 1.
        mean_ap (float): Mean average precision.
        chance_r1 (float): Expected R@1 of a random ranking.
        num_queries (int): Number of captions.
        gallery_size (int): Number of images.
    """

    r1: float
    mean_ap: float
    chance_r1: float
    num_queries: int
    gallery_size: int


def _matches(
        query: int, keys: Tuple[str, ...], ids: Sequence[int],
        identities: Mapping[int, Mapping[str, AttributeValue]]) -> np.ndarray:
    """Return, per identity in ``ids``, whether it fits every key."""
    wanted = identities[query]
    return np.array([
        all(identities[other][key] == wanted[key] for key in keys)
        for other in ids
    ])


def evaluate_oracle(records: Sequence[Mapping],
                    identities: Mapping[int, Mapping[str, AttributeValue]],
                    mentions: Mapping[str, Sequence[Sequence[str]]],
                    split: str = 'test',
                    seed: int = 0) -> OracleResult:
    """Score the oracle on one split of in-memory annotations.

    Args:
        records (Sequence[Mapping]): ``reid_raw.json`` records.
        identities (Mapping[int, Mapping]): Identity id to attribute dict.
        mentions (Mapping[str, Sequence[Sequence[str]]]): ``file_path`` to
            the attributes each of its captions mentions.
        split (str): Split to evaluate. Defaults to 'test'.
        seed (int): Seed of the random tie-breaking. Defaults to 0.

    Returns:
        OracleResult: R@1, mAP and chance R@1 in percent.
    """
    gallery = [rec for rec in records if rec['split'] == split]
    if not gallery:
        raise ValueError(f'no records with split {split!r}')
    gallery_ids = np.array([rec['id'] for rec in gallery])
    unique_ids = sorted(set(gallery_ids.tolist()))
    column = {pid: index for index, pid in enumerate(unique_ids)}
    image_columns = np.array([column[pid] for pid in gallery_ids])
    cache: Dict[Tuple[int, Tuple[str, ...]], np.ndarray] = {}
    scores, relevant = [], []
    for rec in gallery:
        for keys in mentions[rec['file_path']]:
            key = (rec['id'], tuple(keys))
            if key not in cache:
                cache[key] = _matches(rec['id'], key[1], unique_ids,
                                      identities)
            scores.append(cache[key][image_columns])
            relevant.append(gallery_ids == rec['id'])
    score = np.array(scores, dtype=np.float64)
    rel = np.array(relevant)
    ties = np.random.default_rng(seed).random(score.shape)
    order = np.argsort((1.0 - score) + 0.5 * ties, axis=1)
    ranked = np.take_along_axis(rel, order, axis=1)
    hits = np.cumsum(ranked, axis=1)
    ranks = np.arange(1, score.shape[1] + 1)
    precision = np.where(ranked, hits / ranks, 0.0)
    mean_ap = (precision.sum(axis=1) / rel.sum(axis=1)).mean()
    return OracleResult(
        r1=float(100.0 * ranked[:, 0].mean()),
        mean_ap=float(100.0 * mean_ap),
        chance_r1=float(100.0 * (rel.sum(axis=1) / rel.shape[1]).mean()),
        num_queries=len(scores),
        gallery_size=len(gallery))


def _load_json(path: str):
    """Read a JSON file, naming it when it is missing."""
    if not os.path.isfile(path):
        raise FileNotFoundError(f'SynthPEDES file not found: {path}')
    with open(path, encoding='utf-8') as file:
        return json.load(file)


def oracle_scores(dataset_dir: str,
                  split: str = 'test',
                  seed: int = 0) -> OracleResult:
    """Recompute the oracle from the files of a written data set.

    Args:
        dataset_dir (str): The ``SynthPEDES`` folder (holding
            ``reid_raw.json`` and ``attributes.json``).
        split (str): Split to evaluate. Defaults to 'test'.
        seed (int): Seed of the random tie-breaking. Defaults to 0.

    Returns:
        OracleResult: R@1, mAP and chance R@1 in percent.
    """
    records = _load_json(os.path.join(dataset_dir, ANNOTATION_FILE))
    table = _load_json(os.path.join(dataset_dir, ATTRIBUTE_FILE))
    identities = {
        int(pid): attrs
        for pid, attrs in table['identities'].items()
    }
    return evaluate_oracle(records, identities, table['mentions'], split, seed)
