"""SynthPEDES-Pretrain: a streamed corpus of generated people with web-style
captions, for pretraining the tiny CLIP (docs/model_zoo.md).

Nothing is written to disk: item ``i`` is rendered on the fly, inside the
loader workers, from string-seeded streams of its own, so any number of
identities costs no storage and item ``i`` is the same in every run and
every worker. Measured on one core (docs/model_zoo.md), rendering keeps
well ahead of training the tiny CLIP, so streaming needs no pre-generation.

Identity-disjoint from SynthPEDES by construction: pretraining identity
``k`` is drawn from the stream ``synthpedes-pretrain/<seed>/identity/<k>``
(the fine-tuning splits draw theirs from one ``synthpedes/<seed>/
identities`` stream), and a draw whose describable attributes equal those
of any person of the excluded SynthPEDES data set (all three splits) is
rejected and drawn again, so no fine-tuning person, nor a look-alike that
captions could not tell apart, is ever seen in pretraining.
"""
import random
from typing import Dict, FrozenSet, Optional, Sequence, Tuple

import numpy as np
from torch.utils.data import Dataset

from amnsfw.registry import DATASETS
from ..person_search_dataset import build_pipeline
from .attributes import ATTRIBUTE_KEYS, Identity, sample_identity
from .captions import write_caption
from .scene import render_image
from .web_captions import (LOOSE_PROBABILITY, WEB_MAX_MENTIONS,
                           write_web_caption)

Signature = Tuple
#: The SynthPEDES data set that pretraining must not see: the parameters of
#: :func:`~.generate.generate_synthpedes` that every tiny recipe uses.
DEFAULT_EXCLUDE = dict(seed=0, num_train_ids=1000, num_val_ids=100,
                       num_test_ids=200)


def attribute_signature(person: Identity) -> Signature:
    """The describable attributes of ``person`` as a hashable tuple: two
    people with the same signature cannot be told apart by any caption."""
    values = person.attributes()
    return tuple(values[key] for key in ATTRIBUTE_KEYS)


def synthpedes_identities(seed: int, num_train_ids: int, num_val_ids: int,
                          num_test_ids: int) -> Dict[int, Identity]:
    """The people of the SynthPEDES data set made with these parameters,
    by 1-based id, exactly as :func:`~.generate.generate_synthpedes` draws
    them (without rendering anything)."""
    rng = random.Random(f'synthpedes/{seed}/identities')
    total = num_train_ids + num_val_ids + num_test_ids
    return {pid: sample_identity(rng) for pid in range(1, total + 1)}


def excluded_signatures(exclude: Optional[dict]) -> FrozenSet[Signature]:
    """Signatures of every person of the SynthPEDES data set ``exclude``
    describes (:data:`DEFAULT_EXCLUDE`'s keys); empty for None."""
    if not exclude:
        return frozenset()
    unknown = set(exclude) - set(DEFAULT_EXCLUDE)
    if unknown:
        raise ValueError(f'exclude takes {sorted(DEFAULT_EXCLUDE)}, got '
                         f'unknown keys {sorted(unknown)}')
    params = dict(DEFAULT_EXCLUDE, **exclude)
    return frozenset(
        attribute_signature(person)
        for person in synthpedes_identities(**params).values())


def pretrain_identity(seed: int, k: int,
                      excluded: FrozenSet[Signature]) -> Identity:
    """Pretraining identity ``k``: drawn from its own stream, redrawn from
    the same stream while its signature is in ``excluded``."""
    rng = random.Random(f'synthpedes-pretrain/{seed}/identity/{k}')
    while True:
        person = sample_identity(rng)
        if attribute_signature(person) not in excluded:
            return person


def caption_sample(seed: int, num_ids: int) -> Sequence[str]:
    """Captions of both styles (web and fine-tuning) for ``num_ids`` fresh
    identities: enough text to build a vocabulary that covers every word
    either generator writes (the model zoo's tokenizer is trained on it)."""
    captions = []
    for k in range(num_ids):
        rng = random.Random(f'synthpedes-pretrain/{seed}/vocabulary/{k}')
        person = sample_identity(rng)
        captions += [write_web_caption(person, rng)[0] for _ in range(2)]
        captions += [write_caption(person, rng)[0] for _ in range(2)]
    return captions


@DATASETS.register_module()
class SynthPEDESPretrain(Dataset):
    """Streamed pretraining pairs: ``num_ids`` generated people,
    ``images_per_id`` rendered views each, one web-style caption per view.

    Item ``i`` shows identity ``i // images_per_id`` (its person id, so an
    identity-aware loss sees its views as positives); its caption describes
    that person, except with probability ``loose_probability`` where it
    describes a random other person (loosely related alt-text).

    Args:
        num_ids (int): Identities. Defaults to 500,000.
        images_per_id (int): Views per identity. Defaults to 2.
        image_size (tuple[int, int]): Rendered ``(height, width)``, as the
            fine-tuning images are generated. Defaults to (192, 64).
        image_pipeline (Sequence[dict]): Transforms from ``img`` (HWC
            ``uint8``, BGR, as ``LoadPersonImage`` gives) on. Defaults to
            none.
        text_pipeline (Sequence[dict]): Transforms of ``caption``. Defaults
            to none.
        seed (int): Seed of every stream. Defaults to 0.
        exclude (dict, optional): The SynthPEDES data set (generation
            parameters, :data:`DEFAULT_EXCLUDE`'s keys) whose people are
            never drawn. Defaults to :data:`DEFAULT_EXCLUDE`; None
            excludes nobody.
        loose_probability (float): Fraction of captions that describe
            another person. Defaults to :data:`~.web_captions.
            LOOSE_PROBABILITY`.
        max_mentions (int): Most attributes a caption mentions. Defaults to
            :data:`~.web_captions.WEB_MAX_MENTIONS`.
    """

    def __init__(self,
                 num_ids: int = 500_000,
                 images_per_id: int = 2,
                 image_size: Tuple[int, int] = (192, 64),
                 image_pipeline: Sequence[dict] = (),
                 text_pipeline: Sequence[dict] = (),
                 seed: int = 0,
                 exclude: Optional[dict] = DEFAULT_EXCLUDE,
                 loose_probability: float = LOOSE_PROBABILITY,
                 max_mentions: int = WEB_MAX_MENTIONS) -> None:
        if num_ids < 2 or images_per_id < 1:
            raise ValueError('SynthPEDESPretrain needs num_ids >= 2 and '
                             f'images_per_id >= 1, got num_ids={num_ids}, '
                             f'images_per_id={images_per_id}')
        if not 0.0 <= loose_probability < 1.0:
            raise ValueError('loose_probability must be in [0, 1), got '
                             f'{loose_probability}')
        self.num_ids = num_ids
        self.images_per_id = images_per_id
        self.image_size = tuple(image_size)
        self.seed = seed
        self.loose_probability = loose_probability
        self.max_mentions = max_mentions
        self.excluded = excluded_signatures(exclude)
        self.image_pipeline = build_pipeline(image_pipeline)
        self.text_pipeline = build_pipeline(text_pipeline)
        self.metainfo = dict(num_classes=num_ids)

    def __len__(self) -> int:
        return self.num_ids * self.images_per_id

    def identity(self, k: int) -> Identity:
        """Pretraining identity ``k`` (see the module docstring)."""
        return pretrain_identity(self.seed, k, self.excluded)

    def raw_item(self, index: int) -> Dict:
        """Item ``index`` before the pipelines: ``img`` (HWC ``uint8``,
        BGR), ``caption``, ``pid``, ``index``, and ``described``, the
        person id the caption describes."""
        if not 0 <= index < len(self):
            raise IndexError(f'SynthPEDESPretrain has {len(self)} items, '
                             f'got index {index}')
        k, view = divmod(index, self.images_per_id)
        person = self.identity(k)
        stream = f'synthpedes-pretrain/{self.seed}'
        image = render_image(person,
                             random.Random(f'{stream}/image/{k}/{view}'),
                             self.image_size)
        caption_rng = random.Random(f'{stream}/caption/{k}/{view}')
        described = k
        if caption_rng.random() < self.loose_probability:
            described = (k + caption_rng.randrange(1, self.num_ids)) % \
                self.num_ids
        caption, _ = write_web_caption(self.identity(described),
                                       caption_rng, self.max_mentions)
        img = np.ascontiguousarray(np.asarray(image)[:, :, ::-1])
        return dict(img=img, img_shape=img.shape[:2], ori_shape=img.shape[:2],
                    caption=caption, pid=k, index=index, described=described)

    def __getitem__(self, index: int) -> Dict:
        item = self.raw_item(index)
        del item['described']
        item = self.image_pipeline(item)
        return self.text_pipeline(item)
