"""Token selection embedding (RDE; Qin et al., CVPR 2024)."""
from typing import Optional, Tuple

import torch
import torch.nn.functional as F
from torch import nn

from amnsfw.plugin_api import EncoderOutput


def select_top_tokens(tokens: torch.Tensor, scores: torch.Tensor,
                      candidates: torch.Tensor,
                      k: int) -> Tuple[torch.Tensor, torch.Tensor]:
    """The ``k`` candidate tokens of highest score in each row.

    Args:
        tokens (Tensor): ``(B, T, width)``.
        scores (Tensor): ``(B, T)``.
        candidates (Tensor): ``(B, T)`` bool, the tokens that may be chosen.
        k (int): Tokens to choose per row (fewer where a row has fewer
            candidates).

    Returns:
        tuple[Tensor, Tensor]: The chosen tokens ``(B, k, width)``, by
        descending score, and ``(B, k)`` bool marking real choices (False
        past a row's number of candidates).
    """
    scores = scores.float().masked_fill(~candidates, float('-inf'))
    index = scores.topk(k, dim=1).indices
    chosen = tokens.gather(
        1, index.unsqueeze(-1).expand(-1, -1, tokens.shape[-1]))
    counts = candidates.sum(dim=1, keepdim=True)
    valid = torch.arange(k, device=tokens.device).view(1, -1) < counts
    return chosen, valid


class SelectedTokenPooling(nn.Module):
    """RDE's embedding of chosen tokens: each L2-normalised, mapped by
    ``Linear(x) + MLP(x)`` (MLP: Linear, BatchNorm, ReLU, Linear), then
    max-pooled over the real choices.

    Args:
        in_dim (int): Token width.
        output_dim (int): Embedding size.
        hidden_dim (int): Width of the MLP's hidden layer.
    """

    def __init__(self, in_dim: int, output_dim: int, hidden_dim: int) -> None:
        super().__init__()
        self.fc = nn.Linear(in_dim, output_dim)
        self.mlp = nn.Sequential(
            nn.Linear(in_dim, hidden_dim), nn.BatchNorm1d(hidden_dim),
            nn.ReLU(inplace=True), nn.Linear(hidden_dim, output_dim))

    def forward(self, chosen: torch.Tensor,
                valid: torch.Tensor) -> torch.Tensor:
        """``(B, k, width)`` tokens and ``(B, k)`` validity -> ``(B, out)``.
        Only real choices enter the MLP (and its batch statistics)."""
        tokens = F.normalize(chosen[valid], dim=-1)
        mapped = self.fc(tokens) + self.mlp(tokens)
        pooled = mapped.new_full((*valid.shape, mapped.shape[-1]),
                                 float('-inf'))
        pooled[valid] = mapped
        return pooled.amax(dim=1)


class TokenSelectionEmbedding(nn.Module):
    r"""RDE's token selection embedding (TSE): a second, local embedding.

    Qin et al., "Noisy-Correspondence Learning for Text-to-Image Person
    Re-identification", CVPR 2024. Each item keeps the tokens that its
    pooled token attends to most in the last layer (head-averaged):

    * image: :math:`k = \lfloor (T - 1) r \rfloor` patch tokens by the CLS
      row, the CLS itself excluded (at least 1);
    * caption: :math:`k = \lfloor (L - 2) r \rfloor` word tokens by the EOT
      row, with :math:`L` the padded caption length (77 for CLIP, so
      :math:`k = 22` at :math:`r = 0.3`), SOT, EOT and padding excluded,
      and fewer where a caption has fewer words (as RDE's variable-length
      pooling does); a caption without words keeps its EOT.

    Each kept token is L2-normalised and mapped by ``Linear + MLP``
    (MLP: Linear, BatchNorm, ReLU, Linear; one per modality), and the
    embedding is the maximum over the kept tokens, per dimension. RDE
    averages the TSE similarity with the global one at test time; the
    retriever's metric does that, so ``output_dim`` need not match the joint
    space (RDE: 1024 against 512).

    RDE selects from its tokens after CLIP's final layer norm and
    projection. This head sees the encoders' last-layer states: text states
    already carry the final layer norm; image states get a layer norm of
    their own, initialised from ``image_encoder``'s ``post_layernorm`` when
    one is given; the projection is left to the head's own ``Linear``.

    Args:
        image_width (int): Width of the image tokens.
        text_width (int): Width of the caption tokens.
        ratio (float): Share :math:`r` of the tokens kept. Defaults to 0.3
            (RDE).
        output_dim (int): Embedding size. Defaults to 1024 (RDE).
        mlp_hidden_dim (int, optional): Hidden width of the MLP. Defaults
            to None: half of ``output_dim`` (RDE's 512).
        image_encoder (nn.Module, optional): The retriever's image encoder,
            read once for its ``post_layernorm`` weights. Defaults to None
            (a fresh layer norm).
    """

    #: Which attention rows the retriever must return.
    attention = 'last'

    def __init__(self,
                 image_width: int,
                 text_width: int,
                 ratio: float = 0.3,
                 output_dim: int = 1024,
                 mlp_hidden_dim: Optional[int] = None,
                 image_encoder: Optional[nn.Module] = None) -> None:
        super().__init__()
        if not 0 < ratio <= 1:
            raise ValueError(f'ratio must be in (0, 1], got {ratio}')
        self.ratio = ratio
        if mlp_hidden_dim is None:
            mlp_hidden_dim = output_dim // 2
        self.image_norm = nn.LayerNorm(image_width)
        if image_encoder is not None:
            norm = getattr(image_encoder, 'post_layernorm', None)
            if not isinstance(norm, nn.LayerNorm):
                raise TypeError(
                    'TokenSelectionEmbedding copies the image encoder\'s '
                    'post_layernorm (an nn.LayerNorm); '
                    f'{type(image_encoder).__name__} has none')
            self.image_norm.load_state_dict(norm.state_dict())
        self.image_pool = SelectedTokenPooling(image_width, output_dim,
                                               mlp_hidden_dim)
        self.text_pool = SelectedTokenPooling(text_width, output_dim,
                                              mlp_hidden_dim)

    @staticmethod
    def _last_row(output: EncoderOutput) -> torch.Tensor:
        if output.attention is None:
            raise ValueError('TokenSelectionEmbedding needs the pooled '
                             "token's attention (encoder called with "
                             "attention='last' or 'all'); got none")
        return output.attention[:, -1]

    def embed_image(self, output: EncoderOutput) -> torch.Tensor:
        """``(B, output_dim)`` from the image encoder's output."""
        scores = self._last_row(output)
        num_tokens = output.tokens.shape[1]
        candidates = torch.ones_like(scores, dtype=torch.bool)
        candidates[:, 0] = False
        k = max(1, int((num_tokens - 1) * self.ratio))
        chosen, valid = select_top_tokens(output.tokens, scores, candidates,
                                          k)
        return self.image_pool(self.image_norm(chosen), valid)

    def embed_text(self, output: EncoderOutput,
                   text_mask: torch.Tensor) -> torch.Tensor:
        """``(B, output_dim)`` from the text encoder's output; ``text_mask``
        is 1 on SOT, the words and EOT (right-padded captions)."""
        scores = self._last_row(output)
        mask = text_mask.bool()
        rows = torch.arange(len(mask), device=mask.device)
        eot = mask.sum(dim=1) - 1
        candidates = mask.clone()
        candidates[:, 0] = False
        candidates[rows, eot] = False
        wordless = ~candidates.any(dim=1)
        candidates[rows[wordless], eot[wordless]] = True
        k = max(1, int((mask.shape[1] - 2) * self.ratio))
        chosen, valid = select_top_tokens(output.tokens, scores, candidates,
                                          k)
        return self.text_pool(chosen, valid)
