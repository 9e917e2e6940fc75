"""The text-to-image person retriever: two encoders, a masker, loss heads."""
from typing import Dict, List, Mapping, Optional, Sequence, Union

import torch
from mmengine.model import BaseModel
from torch import nn

from amnsfw.registry import (BACKBONES, EMBEDDING_HEADS, LOSSES, MASKERS,
                             MODELS, TOKENIZERS)
from .gather_pairs import distributed_world_size, gather_pair_features
from .model_facts import build_with_model_facts

#: The name of the encoders' own projected features among the embeddings.
GLOBAL = 'global'
#: Which batch the batch-wide loss heads compare under DDP.
LOSS_BATCHES = ('global', 'local')


@MODELS.register_module()
class TextImageRetriever(BaseModel):
    """Embed images and captions into one space; rank images by caption.

    ``forward(inputs, data_samples, mode)`` dispatches to :meth:`loss`
    (training: masked images, every loss head), :meth:`predict` (evaluation:
    one feature set per gallery image or query, unmasked) and
    :meth:`extract_feat` (features only).

    Features are passed around as one flat dict: ``image_embeds`` /
    ``text_embeds`` (the global features), ``image_tokens`` /
    ``text_tokens`` (last-layer states), ``image_attention`` /
    ``text_attention`` (pooled-token attention, when an embedding head asks
    for it), ``image_embeds_{name}`` / ``text_embeds_{name}`` from each
    embedding head, ``mlm_text_tokens`` when the batch carries ``mlm_ids``,
    and, in training, the batch's ``data_samples``. At evaluation each
    item's features are ``{'global': ..., name: ...}``; the metric averages
    their similarities.

    Under DDP with ``loss_batch='global'`` the loss heads that compare the
    pairs of a batch with each other see the whole global batch: every
    rank's embeddings and per-pair data (person ids, indices,
    ``pair_weights``), gathered once per step by :meth:`batch_features`,
    with gradients flowing back to each rank's own rows. Heads that score
    each pair on its own (class attribute ``scores_single_pairs = True``:
    ``IDLoss``, ``MLMLoss``) see this rank's features, token states
    included. Either way the gradients, after DDP averages them, are those
    of one process training on the global batch
    (:mod:`~amnsfw.models.retrievers.gather_pairs`).

    Args:
        tokenizer (dict): Caption tokenizer config; sizes the text encoder.
        image_encoder (dict): Image backbone config.
        text_encoder (dict): Text backbone config (built with the tokenizer).
        loss_heads (Sequence[dict]): Loss head configs, built into the
            attribute of the same name.
        embedding_heads (dict, optional): Extra embeddings by name, each a
            module with ``embed_image(output)`` and ``embed_text(output,
            text_mask)`` over the encoders' outputs and an ``attention``
            attribute (None, ``'last'`` or ``'all'``) saying which
            attention rows it reads. Defaults to None.
        masker (dict): Training-time image token masker. Defaults to
            ``IdentityMasker`` (no masking).
        num_classes (int, optional): Training identities, for heads that
            classify them (``IDLoss``); data set configs give it as
            ``num_train_ids``. Defaults to None.
        loss_batch (str): ``'global'``: under DDP the batch-wide loss heads
            compare all ranks' pairs, so results do not depend on the
            number of processes; ``'local'``: each rank's pairs only, as
            IRRA and RDE train (for reproducing them). The same with one
            process. Defaults to ``'global'``.
        data_preprocessor (dict): Defaults to
            ``PersonSearchDataPreprocessor`` with CLIP statistics.
        init_cfg (dict, optional): MMEngine initialisation config.
            Defaults to None.

    Loss heads, embedding heads and maskers may take any of
    :data:`~amnsfw.models.retrievers.model_facts.MODEL_FACTS` as
    constructor arguments; the retriever fills them in.
    """

    def __init__(self,
                 tokenizer: dict,
                 image_encoder: dict,
                 text_encoder: dict,
                 loss_heads: Sequence[dict],
                 embedding_heads: Optional[Mapping[str, dict]] = None,
                 masker: dict = dict(type='IdentityMasker'),
                 num_classes: Optional[int] = None,
                 loss_batch: str = 'global',
                 data_preprocessor: dict = dict(
                     type='PersonSearchDataPreprocessor'),
                 init_cfg: Optional[dict] = None) -> None:
        # Built here, not by BaseModel, so the amnsfw scope applies outside
        # a runner too.
        super().__init__(data_preprocessor=MODELS.build(data_preprocessor),
                         init_cfg=init_cfg)
        if loss_batch not in LOSS_BATCHES:
            raise ValueError(f'loss_batch must be one of {LOSS_BATCHES}, '
                             f'got {loss_batch!r}')
        self.loss_batch = loss_batch
        self.tokenizer = TOKENIZERS.build(tokenizer)
        self.image_encoder = BACKBONES.build(image_encoder)
        self.text_encoder = BACKBONES.build(
            text_encoder, default_args=dict(tokenizer=self.tokenizer))
        if self.image_encoder.embed_dim != self.text_encoder.embed_dim:
            raise ValueError(
                f'image features have {self.image_encoder.embed_dim} dims, '
                f'text features {self.text_encoder.embed_dim}: they must '
                'share one space')
        facts = dict(tokenizer=self.tokenizer,
                     vocab_size=self.tokenizer.vocab_size,
                     embed_dim=self.image_encoder.embed_dim,
                     image_width=self.image_encoder.width,
                     text_width=self.text_encoder.width,
                     image_encoder=self.image_encoder)
        if num_classes is not None:
            facts['num_classes'] = num_classes
        self.masker = build_with_model_facts(MASKERS, masker, facts)
        if not loss_heads:
            raise ValueError('TextImageRetriever needs at least one loss head')
        self.loss_heads = nn.ModuleList(
            build_with_model_facts(LOSSES, cfg, facts) for cfg in loss_heads)
        embedding_heads = dict(embedding_heads or {})
        if GLOBAL in embedding_heads:
            raise ValueError(f'{GLOBAL!r} names the encoders\' own features; '
                             'give the embedding head another name')
        self.embedding_heads = nn.ModuleDict({
            name: build_with_model_facts(EMBEDDING_HEADS, cfg, facts)
            for name, cfg in embedding_heads.items()
        })
        wanted = {head.attention for head in self.embedding_heads.values()}
        self.attention = ('all' if 'all' in wanted else
                          'last' if 'last' in wanted else None)

    def forward(self,
                inputs: Dict[str, torch.Tensor],
                data_samples: Optional[Dict[str, torch.Tensor]] = None,
                mode: str = 'tensor') -> Union[Dict, List]:
        if mode == 'loss':
            return self.loss(inputs, data_samples)
        if mode == 'predict':
            return self.predict(inputs, data_samples)
        if mode == 'tensor':
            return self.extract_feat(inputs)
        raise ValueError(f"mode must be 'loss', 'predict' or 'tensor', "
                         f'got {mode!r}')

    def extract_feat(self, inputs: Dict[str, torch.Tensor]
                     ) -> Dict[str, torch.Tensor]:
        """Unmasked features of whatever images and captions ``inputs`` has
        (see the class docstring for the keys)."""
        features: Dict[str, torch.Tensor] = {}
        if 'text_ids' in inputs:
            self._encode_text(inputs, features)
        if 'images' in inputs:
            self._encode_images(inputs['images'], None, features)
        return features

    def loss(self, inputs: Dict[str, torch.Tensor],
             data_samples: Dict[str, torch.Tensor]) -> Dict[str, torch.Tensor]:
        """Every loss head's terms on a batch of aligned pairs."""
        features = self.encode_pairs(inputs, data_samples)
        batch = self.batch_features(features)
        losses: Dict[str, torch.Tensor] = {}
        for head in self.loss_heads:
            terms = head(features if getattr(head, 'scores_single_pairs',
                                             False) else batch)
            clash = losses.keys() & terms.keys()
            if clash:
                raise KeyError(f'loss heads return the same terms {clash}; '
                               'give each head distinct names')
            losses.update(terms)
        return losses

    def encode_pairs(self, inputs: Dict[str, torch.Tensor],
                     data_samples: Dict[str, torch.Tensor]
                     ) -> Dict[str, torch.Tensor]:
        """The features the loss heads see for a batch of aligned pairs
        (images through the masker, which acts in training mode only), with
        the batch's ``data_samples``; hooks that score the training set
        (RDE's clean-label division) call it too."""
        features: Dict[str, torch.Tensor] = dict(data_samples)
        self._encode_text(inputs, features)
        if 'mlm_ids' in inputs:
            features['mlm_text_tokens'] = self.text_encoder(
                inputs['mlm_ids'], inputs['text_mask']).tokens
        images = inputs['images']
        self._encode_images(
            images, lambda tokens: self.masker(tokens, images,
                                               features['text_embeds']),
            features)
        return features

    def batch_features(self, features: Dict[str, torch.Tensor]
                       ) -> Dict[str, torch.Tensor]:
        """The features the batch-wide loss heads see: under DDP with
        ``loss_batch='global'``, every rank's embeddings and per-pair data
        in rank order (see
        :func:`~amnsfw.models.retrievers.gather_pairs.gather_pair_features`;
        one all-gather per entry); otherwise ``features`` itself. Every rank
        must call it, with the same keys.

        Args:
            features (dict): From :meth:`encode_pairs`.
        """
        if self.loss_batch == 'local' or distributed_world_size() == 1:
            return features
        return gather_pair_features(features)

    def predict(self, inputs: Dict[str, torch.Tensor],
                data_samples: Dict[str, torch.Tensor]) -> List[dict]:
        """One entry per gallery image and query, as the retrieval metric
        expects (``modality``, ``index``, ``pid``, ``feats``), in the order
        of the batch's items: MMEngine gathers distributed results assuming
        the sampler's order."""
        features = self.extract_feat(inputs)
        placed = []
        for modality in ('image', 'text'):
            if f'{modality}_embeds' not in features:
                continue
            named = self.named_embeddings(features, modality)
            for row, (position, index, pid) in enumerate(
                    zip(data_samples[f'{modality}_rows'].tolist(),
                        data_samples[f'{modality}_index'].tolist(),
                        data_samples[f'{modality}_pids'].tolist())):
                placed.append((position, dict(
                    modality=modality, index=index, pid=pid,
                    feats={name: embeds[row]
                           for name, embeds in named.items()})))
        placed.sort(key=lambda entry: entry[0])
        return [result for _, result in placed]

    def named_embeddings(self, features: Dict[str, torch.Tensor],
                         modality: str) -> Dict[str, torch.Tensor]:
        """One side's embeddings by name, as evaluation compares them:
        ``{'global': ..., name: ...}`` for each embedding head.

        Args:
            features (dict): From :meth:`extract_feat`.
            modality (str): ``'image'`` or ``'text'``.
        """
        named = {GLOBAL: features[f'{modality}_embeds']}
        named.update({name: features[f'{modality}_embeds_{name}']
                      for name in self.embedding_heads})
        return named

    def _encode_text(self, inputs: Dict[str, torch.Tensor],
                     features: Dict[str, torch.Tensor]) -> None:
        text = self.text_encoder(inputs['text_ids'], inputs['text_mask'],
                                 attention=self.attention)
        features.update(text_embeds=text.embeds, text_tokens=text.tokens)
        if text.attention is not None:
            features['text_attention'] = text.attention
        for name, head in self.embedding_heads.items():
            features[f'text_embeds_{name}'] = head.embed_text(
                text, inputs['text_mask'])

    def _encode_images(self, images: torch.Tensor, token_filter,
                       features: Dict[str, torch.Tensor]) -> None:
        image = self.image_encoder(images, token_filter=token_filter,
                                   attention=self.attention)
        features.update(image_embeds=image.embeds, image_tokens=image.tokens)
        if image.attention is not None:
            features['image_attention'] = image.attention
        for name, head in self.embedding_heads.items():
            features[f'image_embeds_{name}'] = head.embed_image(image)
