"""CenterBiasMasker: the central patches, hand-computed on a 4 x 3 grid."""
from types import SimpleNamespace

import pytest
import torch

from amnsfw.plugin_api import (MASKERS, build_with_model_facts,
                               component_owners)
from amnsfw_example_plugin.maskers.center_bias_masker import central_patches

GRID = (4, 3)  # patch (r, c) has raster index 3 r + c


def numbered_tokens(batch: int) -> torch.Tensor:
    """Tokens whose first channel is their position, to read off the kept."""
    tokens = torch.randn(batch, 1 + 12, 4)
    tokens[..., 0] = torch.arange(1 + 12).float()
    return tokens


@pytest.mark.parametrize('keep, expected', [
    (2, [4, 7]),  # the centre column's two middle patches
    (6, [3, 4, 5, 6, 7, 8]),  # the two middle rows
    (8, [1, 3, 4, 5, 6, 7, 8, 10]),  # + the centre column's ends
    (12, list(range(12))),
])
def test_central_patches_by_hand(keep, expected):
    assert central_patches(GRID, keep).tolist() == expected


def test_a_tie_goes_to_the_first_patch_in_raster_order():
    # After (1, 1) and (2, 1), four patches tie: (1, 0) comes first.
    assert central_patches(GRID, 3).tolist() == [3, 4, 7]


@pytest.mark.parametrize('mask_ratio, kept', [(0.5, [3, 4, 5, 6, 7, 8]),
                                              (10 / 12, [4, 7])])
def test_keeps_the_class_token_and_the_central_patches(mask_ratio, kept):
    masker = MASKERS.build(
        dict(type='CenterBiasMasker', mask_ratio=mask_ratio, grid=GRID))
    tokens = numbered_tokens(3)
    out = masker.train()(tokens, None, None)
    assert out[..., 0].tolist() == [[0] + [k + 1 for k in kept]] * 3
    assert torch.equal(out, tokens[:, out[0, :, 0].long()])
    assert masker.eval()(tokens, None, None) is tokens


def test_the_retriever_hands_it_the_encoders_grid():
    assert component_owners()[('masker', 'CenterBiasMasker')] == 'example'
    encoder = SimpleNamespace(grid=GRID)
    masker = build_with_model_facts(
        MASKERS, dict(type='CenterBiasMasker', mask_ratio=0.5),
        dict(image_encoder=encoder, embed_dim=8))
    assert masker.grid == GRID and not hasattr(masker, 'image_encoder')


def test_refuses_tokens_of_another_grid_and_a_missing_grid():
    masker = MASKERS.build(dict(type='CenterBiasMasker', grid=GRID)).train()
    with pytest.raises(ValueError, match='got 9 tokens'):
        masker(torch.zeros(1, 9, 4), None, None)
    with pytest.raises(ValueError, match='exactly one of'):
        MASKERS.build(dict(type='CenterBiasMasker'))
