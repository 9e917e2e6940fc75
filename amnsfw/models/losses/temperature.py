"""A similarity temperature, fixed or learnt."""
import math

import torch
import torch.nn.functional as F
from torch import nn


class Temperature(nn.Module):
    """The logit scale ``s = 1 / tau`` applied to cosine similarities.

    A learnt temperature is stored as ``log s`` (as in CLIP) and clamped to
    ``s <= max_scale``.

    Args:
        tau (float): The (initial) temperature. Defaults to 0.02.
        learnable (bool): Learn it. Defaults to False.
        max_scale (float): Upper bound of a learnt ``s``. Defaults to 100.
    """

    def __init__(self, tau: float = 0.02, learnable: bool = False,
                 max_scale: float = 100.0) -> None:
        super().__init__()
        if not tau > 0:  # also refuses NaN
            raise ValueError(f'temperature must be positive, got {tau}')
        log_scale = torch.tensor(math.log(1.0 / tau))
        if learnable:
            self.log_scale = nn.Parameter(log_scale)
        else:
            self.register_buffer('log_scale', log_scale)
        self.learnable = learnable
        self.max_log_scale = math.log(max_scale)

    def cosine_logits(self, image: torch.Tensor,
                      text: torch.Tensor) -> torch.Tensor:
        """``s * normalise(image) @ normalise(text)^T``: ``(B_img, B_txt)``."""
        return self() * F.normalize(image, dim=-1) @ F.normalize(
            text, dim=-1).t()

    def forward(self) -> torch.Tensor:
        """The current scale ``s``."""
        if self.learnable:
            return self.log_scale.clamp(max=self.max_log_scale).exp()
        return self.log_scale.exp()
