"""CosineMarginLoss: CLIP's loss at margin 0, a hand value, the margin's
effect."""
import math

import pytest
import torch

from amnsfw.plugin_api import LOSSES, component_owners


def features(image_embeds, text_embeds):
    pids = torch.arange(len(image_embeds))
    return dict(image_embeds=image_embeds, text_embeds=text_embeds,
                image_pids=pids, text_pids=pids)


def test_registered_by_the_example_plugin():
    assert component_owners()[('loss', 'CosineMarginLoss')] == 'example'


def test_without_margin_it_is_clips_contrastive_loss():
    torch.manual_seed(0)
    batch = features(torch.randn(5, 8), torch.randn(5, 8))
    ours = LOSSES.build(dict(type='CosineMarginLoss', margin=0.0, tau=0.05))
    itc = LOSSES.build(dict(type='ITCLoss', tau=0.05))
    assert torch.allclose(ours(batch)['loss_cosine_margin'],
                          itc(batch)['loss_itc'])


def test_hand_value_on_aligned_orthogonal_pairs():
    # S = I, s = 1: each row's loss is log(1 + exp(-(1 - m))).
    loss = LOSSES.build(
        dict(type='CosineMarginLoss', margin=0.5, tau=1.0, weight=2.0))
    eye = torch.eye(2)
    value = loss(features(eye, eye))['loss_cosine_margin']
    assert value.item() == pytest.approx(2.0 * math.log(1 + math.exp(-0.5)))


def test_a_larger_margin_costs_more():
    torch.manual_seed(1)
    batch = features(torch.randn(4, 8), torch.randn(4, 8))
    values = [
        LOSSES.build(dict(type='CosineMarginLoss', margin=m))(batch)
        ['loss_cosine_margin'].item() for m in (0.0, 0.1, 0.3)
    ]
    assert values[0] < values[1] < values[2]
