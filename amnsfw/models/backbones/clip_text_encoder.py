"""CLIP's text transformer: the EOT token, projected, is the feature."""
from typing import Optional

import torch
from torch import nn
from transformers import CLIPTextConfig, CLIPTextModelWithProjection

from amnsfw.registry import BACKBONES
from .clip_image_encoder import EncoderOutput
from .load_clip import load_clip_tower


@BACKBONES.register_module()
class CLIPTextEncoder(nn.Module):
    """CLIP text encoder over a caption tokenizer's ids.

    The tokenizer fixes the vocabulary, the sequence length and the EOT id
    the encoder pools at (the first EOT of each row), so a random-weight
    encoder is sized from it and a pretrained one is checked against it.

    Args:
        tokenizer: The built caption tokenizer (``vocab_size``,
            ``max_length``, ``eot_id``, ``sot_id``, ``pad_id``).
        config (dict, optional): ``CLIPTextConfig`` arguments for random
            weights (vocabulary, length and token ids come from the
            tokenizer). Defaults to None.
        pretrained (str, optional): Local folder or hub name of a CLIP
            checkpoint. Defaults to None.
    """

    def __init__(self,
                 tokenizer,
                 config: Optional[dict] = None,
                 pretrained: Optional[str] = None) -> None:
        super().__init__()
        if config is not None:
            config = dict(config, vocab_size=tokenizer.vocab_size,
                          max_position_embeddings=tokenizer.max_length,
                          bos_token_id=tokenizer.sot_id,
                          eos_token_id=tokenizer.eot_id,
                          pad_token_id=tokenizer.pad_id)
        model = load_clip_tower(CLIPTextModelWithProjection, CLIPTextConfig,
                                config, pretrained)
        positions = model.config.max_position_embeddings
        if tokenizer.max_length > positions:
            raise ValueError(
                f'tokenizer max_length {tokenizer.max_length} exceeds the '
                f'{positions} positions of the text encoder')
        # Pooled here, at the tokenizer's EOT: transformers' own pooling
        # follows the checkpoint's eos id, with a legacy rule for id 2.
        self.eot_id = tokenizer.eot_id
        self.text_model = model.text_model
        self.projection = model.text_projection
        self.embed_dim = model.config.projection_dim

    def forward(self, text_ids: torch.Tensor,
                text_mask: torch.Tensor) -> EncoderOutput:
        """Encode ``(B, L)`` token ids with their attention mask."""
        is_eot = text_ids == self.eot_id
        if not is_eot.any(dim=1).all():
            raise ValueError(f'every caption needs an EOT token (id '
                             f'{self.eot_id}); some rows have none')
        states = self.text_model(input_ids=text_ids,
                                 attention_mask=text_mask).last_hidden_state
        first_eot = is_eot.int().argmax(dim=1)
        pooled = states[torch.arange(len(states)), first_eot]
        return EncoderOutput(self.projection(pooled), states)
