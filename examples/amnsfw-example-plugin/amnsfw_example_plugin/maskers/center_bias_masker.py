"""CenterBiasMasker: the image encoder sees only the central patches."""
from typing import Optional, Tuple

import torch
from torch import nn


def central_patches(grid: Tuple[int, int], keep: int) -> torch.Tensor:
    """Indices (raster order, 0-based) of the ``keep`` patches of a
    ``(rows, cols)`` grid nearest its centre, sorted.

    Patch ``(r, c)`` is at distance
    ``((r - (rows - 1) / 2) / rows) ** 2 + ((c - (cols - 1) / 2) / cols) ** 2``
    from the centre, in coordinates relative to the grid's sides, so the
    kept region has the image's aspect ratio. Ties go to the patch first in
    raster order.

    Args:
        grid (tuple[int, int]): Patch rows and columns.
        keep (int): How many patches to keep, in ``1..rows * cols``.

    Returns:
        Tensor: ``(keep,)`` long indices, ascending.
    """
    rows, cols = grid
    if not 1 <= keep <= rows * cols:
        raise ValueError(f'keep must be in 1..{rows * cols} for a {grid} '
                         f'grid, got {keep}')
    r = (torch.arange(rows, dtype=torch.float64) - (rows - 1) / 2) / rows
    c = (torch.arange(cols, dtype=torch.float64) - (cols - 1) / 2) / cols
    distance = (r[:, None]**2 + c[None, :]**2).flatten()
    return distance.argsort(stable=True)[:keep].sort().values


class CenterBiasMasker(nn.Module):
    """Keep the class token and the patches nearest the image centre.

    A deterministic ablation of patch-dropping maskers (random, or
    attention-weighted as in AMNS): the same central ``k = max(1, N -
    round(N * mask_ratio))`` patches of the ``N``-patch grid are kept for
    every image (:func:`central_patches`), in raster order, and the rest are
    removed before the encoder's blocks. Called as ``masker(tokens, images,
    text_embeds)`` on the embedded tokens ``(B, 1 + N, width)``, class token
    first; in eval mode it returns them unchanged (maskers act in training
    only).

    The grid comes from the image encoder, which the retriever passes in
    (a model fact), or from ``grid``.

    Args:
        mask_ratio (float): Fraction of patches dropped, in ``[0, 1)``.
            Defaults to 0.5.
        image_encoder (nn.Module, optional): Encoder whose ``grid``
            ``(rows, cols)`` is read; not kept. Defaults to None.
        grid (tuple[int, int], optional): Patch grid, when no encoder is
            given. Defaults to None.
    """

    def __init__(self,
                 mask_ratio: float = 0.5,
                 image_encoder: Optional[nn.Module] = None,
                 grid: Optional[Tuple[int, int]] = None) -> None:
        super().__init__()
        if not 0 <= mask_ratio < 1:
            raise ValueError(f'mask_ratio must be in [0, 1), got {mask_ratio}')
        if (image_encoder is None) == (grid is None):
            raise ValueError('CenterBiasMasker needs the patch grid from '
                             'exactly one of image_encoder and grid, got '
                             f'image_encoder={type(image_encoder).__name__}, '
                             f'grid={grid!r}')
        self.grid = tuple(image_encoder.grid if grid is None else grid)
        self.mask_ratio = mask_ratio
        patches = self.grid[0] * self.grid[1]
        keep = max(1, patches - round(patches * mask_ratio))
        # Positions among the tokens: the class token, then the patches.
        index = torch.cat([torch.zeros(1, dtype=torch.long),
                           central_patches(self.grid, keep) + 1])
        self.register_buffer('index', index, persistent=False)

    def forward(self, tokens: torch.Tensor, images: torch.Tensor,
                text_embeds: torch.Tensor) -> torch.Tensor:
        if not self.training:
            return tokens
        expected = 1 + self.grid[0] * self.grid[1]
        if tokens.shape[1] != expected:
            raise ValueError(
                f'CenterBiasMasker was built for a {self.grid} grid '
                f'({expected} tokens with the class token), got '
                f'{tokens.shape[1]} tokens')
        return tokens[:, self.index]
