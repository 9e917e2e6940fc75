"""The text-to-image person retriever: two encoders, a masker, loss heads."""
from typing import Dict, List, Optional, Sequence, Union

import torch
from mmengine.model import BaseModel
from torch import nn

from amnsfw.registry import BACKBONES, LOSSES, MASKERS, MODELS, TOKENIZERS


@MODELS.register_module()
class TextImageRetriever(BaseModel):
    """Embed images and captions into one space; rank images by caption.

    ``forward(inputs, data_samples, mode)`` dispatches to :meth:`loss`
    (training: masked images, every loss head), :meth:`predict` (evaluation:
    one feature set per gallery image or query, unmasked) and
    :meth:`extract_feat` (features only).

    Args:
        tokenizer (dict): Caption tokenizer config; sizes the text encoder.
        image_encoder (dict): Image backbone config.
        text_encoder (dict): Text backbone config (built with the tokenizer).
        losses (Sequence[dict]): Loss head configs.
        masker (dict): Training-time image token masker. Defaults to
            ``IdentityMasker`` (no masking).
        data_preprocessor (dict): Defaults to
            ``PersonSearchDataPreprocessor`` with CLIP statistics.
        init_cfg (dict, optional): MMEngine initialisation config.
            Defaults to None.
    """

    def __init__(self,
                 tokenizer: dict,
                 image_encoder: dict,
                 text_encoder: dict,
                 losses: Sequence[dict],
                 masker: dict = dict(type='IdentityMasker'),
                 data_preprocessor: dict = dict(
                     type='PersonSearchDataPreprocessor'),
                 init_cfg: Optional[dict] = None) -> None:
        # Built here, not by BaseModel, so the amnsfw scope applies outside
        # a runner too.
        super().__init__(data_preprocessor=MODELS.build(data_preprocessor),
                         init_cfg=init_cfg)
        self.tokenizer = TOKENIZERS.build(tokenizer)
        self.image_encoder = BACKBONES.build(image_encoder)
        self.text_encoder = BACKBONES.build(
            text_encoder, default_args=dict(tokenizer=self.tokenizer))
        if self.image_encoder.embed_dim != self.text_encoder.embed_dim:
            raise ValueError(
                f'image features have {self.image_encoder.embed_dim} dims, '
                f'text features {self.text_encoder.embed_dim}: they must '
                'share one space')
        self.masker = MASKERS.build(masker)
        if not losses:
            raise ValueError('TextImageRetriever needs at least one loss head')
        self.loss_heads = nn.ModuleList(LOSSES.build(cfg) for cfg in losses)

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

    def extract_feat(self,
                     inputs: Dict[str, torch.Tensor]) -> Dict[str, torch.Tensor]:
        """Unmasked features of whatever images and captions ``inputs`` has.

        Returns:
            dict: ``image_embeds`` / ``image_tokens`` and ``text_embeds`` /
            ``text_tokens`` for the sides present.
        """
        features = {}
        if 'images' in inputs:
            image = self.image_encoder(inputs['images'])
            features.update(image_embeds=image.embeds,
                            image_tokens=image.tokens)
        if 'text_ids' in inputs:
            text = self.text_encoder(inputs['text_ids'], inputs['text_mask'])
            features.update(text_embeds=text.embeds, text_tokens=text.tokens)
        return features

    def loss(self, inputs: Dict[str, torch.Tensor],
             data_samples: Dict[str, torch.Tensor]) -> Dict[str, torch.Tensor]:
        """Every loss head's terms on a batch of aligned pairs."""
        image = self.image_encoder(
            inputs['images'],
            token_filter=lambda tokens: self.masker(tokens, inputs))
        text = self.text_encoder(inputs['text_ids'], inputs['text_mask'])
        features = dict(data_samples, image_embeds=image.embeds,
                        image_tokens=image.tokens, text_embeds=text.embeds,
                        text_tokens=text.tokens)
        losses: Dict[str, torch.Tensor] = {}
        for head in self.loss_heads:
            terms = head(features)
            clash = losses.keys() & terms.keys()
            if clash:
                raise KeyError(f'loss heads return the same terms {clash}; '
                               'give each head distinct names')
            losses.update(terms)
        return losses

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
            embeds = features[f'{modality}_embeds']
            for row, (position, index, pid) in enumerate(
                    zip(data_samples[f'{modality}_rows'].tolist(),
                        data_samples[f'{modality}_index'].tolist(),
                        data_samples[f'{modality}_pids'].tolist())):
                placed.append((position, dict(
                    modality=modality, index=index, pid=pid,
                    feats={'global': embeds[row]})))
        placed.sort(key=lambda entry: entry[0])
        return [result for _, result in placed]
