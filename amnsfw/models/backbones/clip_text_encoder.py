"""CLIP's text transformer: the EOT token, projected, is the feature."""
from typing import Optional

import torch
from torch import nn
from transformers import CLIPTextConfig, CLIPTextModelWithProjection

from amnsfw.model_zoo import is_zoo_reference, load_into_tower
from amnsfw.registry import BACKBONES
from .encoder_output import EncoderOutput, check_attention_layers
from .load_clip import load_clip_tower
from .pooled_attention import capture_pooled_attention


def add_token_rows(model: CLIPTextModelWithProjection,
                   vocab_size: int) -> None:
    """Grow the token embedding to ``vocab_size`` rows, each new row (the
    ``<|mask|>`` token the tokenizer adds to a pretrained vocabulary) set to
    the mean of the pretrained rows: a neutral start that fine-tuning moves."""
    table = model.get_input_embeddings().weight
    old_rows = table.shape[0]
    model.resize_token_embeddings(vocab_size, mean_resizing=False)
    table = model.get_input_embeddings().weight
    with torch.no_grad():
        table[old_rows:] = table[:old_rows].mean(dim=0)


@BACKBONES.register_module()
class CLIPTextEncoder(nn.Module):
    """CLIP text encoder over a caption tokenizer's ids.

    The tokenizer fixes the vocabulary, the sequence length and the EOT id
    the encoder pools at (the first EOT of each row), so a random-weight
    encoder is sized from it and a pretrained one is checked against it.
    A pretrained vocabulary that the tokenizer extends (CLIP BPE's added
    ``<|mask|>``, id 49408) gets new embedding rows set to the mean
    pretrained row; captions longer than the checkpoint's positions (77)
    are refused.

    Args:
        tokenizer: The built caption tokenizer (``vocab_size``,
            ``max_length``, ``eot_id``, ``sot_id``, ``pad_id``).
        config (dict, optional): ``CLIPTextConfig`` arguments for random
            weights (vocabulary, length and token ids come from the
            tokenizer). Defaults to None.
        pretrained (str, optional): Local folder or hub name of a CLIP
            checkpoint, or ``zoo://<name>``: a model zoo entry's text tower
            (:mod:`amnsfw.model_zoo`), loaded after building from
            ``config``, which must match the entry's (and the tokenizer
            its vocabulary). Defaults to None.
        attn_implementation (str): ``'sdpa'`` or ``'eager'``. Defaults to
            ``'sdpa'``.
        gradient_checkpointing (bool): Recompute activations in the backward
            pass. Defaults to False.
    """

    def __init__(self,
                 tokenizer,
                 config: Optional[dict] = None,
                 pretrained: Optional[str] = None,
                 attn_implementation: str = 'sdpa',
                 gradient_checkpointing: bool = False) -> None:
        super().__init__()
        zoo_entry = pretrained if is_zoo_reference(pretrained) else None
        pretrained = None if zoo_entry else pretrained
        if config is not None:
            config = dict(config, vocab_size=tokenizer.vocab_size,
                          max_position_embeddings=tokenizer.max_length,
                          bos_token_id=tokenizer.sot_id,
                          eos_token_id=tokenizer.eot_id,
                          pad_token_id=tokenizer.pad_id)
        model = load_clip_tower(CLIPTextModelWithProjection, CLIPTextConfig,
                                config, pretrained, attn_implementation,
                                gradient_checkpointing)
        positions = model.config.max_position_embeddings
        if tokenizer.max_length > positions:
            raise ValueError(
                f'tokenizer max_length {tokenizer.max_length} exceeds the '
                f'{positions} positions of the text encoder')
        if tokenizer.vocab_size > model.get_input_embeddings().num_embeddings:
            add_token_rows(model, tokenizer.vocab_size)
        # Pooled here, at the tokenizer's EOT: transformers' own pooling
        # follows the checkpoint's eos id, with a legacy rule for id 2.
        self.eot_id = tokenizer.eot_id
        self.text_model = model.text_model
        self.projection = model.text_projection
        self.embed_dim = model.config.projection_dim
        self.width = model.config.hidden_size
        if zoo_entry:
            load_into_tower(self, zoo_entry, 'text_encoder')

    def forward(self, text_ids: torch.Tensor, text_mask: torch.Tensor,
                attention: Optional[str] = None) -> EncoderOutput:
        """Encode ``(B, L)`` token ids with their attention mask.

        Args:
            text_ids (Tensor): Token ids, each row with an EOT.
            text_mask (Tensor): 1 on tokens, 0 on padding.
            attention (str, optional): Also return the first EOT's attention
                of the ``'last'`` or ``'all'`` layers. Defaults to None.
        """
        check_attention_layers(attention)
        is_eot = text_ids == self.eot_id
        if not is_eot.any(dim=1).all():
            raise ValueError(f'every caption needs an EOT token (id '
                             f'{self.eot_id}); some rows have none')
        first_eot = is_eot.int().argmax(dim=1)
        layers = self.text_model.encoder.layers
        watched = layers[-1:] if attention == 'last' else layers
        query = None if attention is None else first_eot
        with capture_pooled_attention(watched, query, causal=True) as rows:
            states = self.text_model(
                input_ids=text_ids, attention_mask=text_mask).last_hidden_state
        pooled = states[torch.arange(len(states)), first_eot]
        return EncoderOutput.from_rows(self.projection(pooled), states, rows)
