"""SDM (IRRA): hand-computed values, targets, limits and symmetries."""
import math

import pytest
import torch

from amnsfw.models.losses import SDMLoss
from amnsfw.models.losses.sdm_loss import identity_targets, matching_kl
from amnsfw.registry import LOSSES


def features(image, text, image_pids, text_pids):
    return dict(image_embeds=torch.as_tensor(image, dtype=torch.float),
                text_embeds=torch.as_tensor(text, dtype=torch.float),
                image_pids=torch.as_tensor(image_pids),
                text_pids=torch.as_tensor(text_pids))


def test_two_by_two_by_hand():
    # tau = 1 (s = 1), unique ids, so q = I. Features are L2-normalised
    # first (the text (3, 4) and image (0, 2) are not unit vectors):
    #   v1 = (1, 0), v2 = (0, 1); t1 = (0.6, 0.8), t2 = (0, 1)
    #   S = [[0.6, 0.0],
    #        [0.8, 1.0]]
    # image -> text (rows of S):
    #   p_1 = softmax(0.6, 0.0) = (0.645656, 0.354344), q_1 = (1, 0)
    #   p_2 = softmax(0.8, 1.0) = (0.450166, 0.549834), q_2 = (0, 1)
    # text -> image (rows of S^T):
    #   p_1 = softmax(0.6, 0.8) = (0.450166, 0.549834), q_1 = (1, 0)
    #   p_2 = softmax(0.0, 1.0) = (0.268941, 0.731059), q_2 = (0, 1)
    # KL(p || q) = sum_j p_j (log p_j - log(q_j + 1e-8)), log 1e-8 = -18.4207:
    #   i2t: 0.645656 * (-0.437488 - 1e-8) + 0.354344 * (-1.037488 + 18.420681)
    #        = 5.877158;  row 2: 7.604192;  mean 6.740675
    #   t2i: 9.440144, 4.371881;  mean 6.906013
    #   L = 6.740675 + 6.906013 = 13.646688
    feats = features([[1, 0], [0, 2]], [[3, 4], [0, 1]], [0, 1], [0, 1])
    out = SDMLoss(tau=1.0)(feats)
    assert out['loss_sdm'].item() == pytest.approx(13.646688, abs=1e-4)
    assert out['sdm_scale'].item() == pytest.approx(1.0)

    # The two directions separately.
    image = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    text = torch.tensor([[0.6, 0.8], [0.0, 1.0]])
    logits = image @ text.t()
    eye = torch.eye(2)
    assert matching_kl(logits, eye).item() == pytest.approx(6.740675, abs=1e-4)
    assert matching_kl(logits.t(), eye).item() == pytest.approx(
        6.906013, abs=1e-4)


def test_identity_targets_with_repeated_pids():
    targets = identity_targets(torch.tensor([1, 1, 2]),
                               torch.tensor([1, 2, 1]))
    assert torch.equal(targets, torch.tensor([[1., 0., 1.],
                                              [1., 0., 1.],
                                              [0., 1., 0.]]))
    # q_i spreads evenly over all same-id columns: putting p exactly on q
    # gives zero loss, putting it all on one of two positives gives log 2.
    q = targets / targets.sum(1, keepdim=True)
    spread = torch.where(q > 0, q.log(), torch.full_like(q, -1e4))
    assert matching_kl(spread, targets).item() == pytest.approx(0, abs=1e-6)
    one_positive = torch.tensor([[0., -1e4, -1e4],
                                 [0., -1e4, -1e4],
                                 [-1e4, 0., -1e4]])
    # rows 1 and 2: KL = log 2; row 3: 0; mean = 2/3 log 2.
    assert matching_kl(one_positive, targets).item() == pytest.approx(
        2 / 3 * math.log(2), abs=1e-6)


def test_loss_vanishes_for_aligned_features_at_small_tau():
    eye = torch.eye(3)
    pids = [0, 1, 2]
    aligned = features(eye, eye, pids, pids)
    losses = [SDMLoss(tau=tau)(aligned)['loss_sdm'].item()
              for tau in (1.0, 0.1, 0.02, 0.01)]
    # KL >= 0 up to float rounding, and it falls towards 0 as tau -> 0.
    assert all(loss > -1e-6 for loss in losses)
    assert all(abs(a) > abs(b) for a, b in zip(losses, losses[1:]))
    assert abs(losses[-1]) < 1e-6
    # The wrong pairing (captions shuffled) is far from zero.
    shuffled = features(eye, eye[[1, 2, 0]], pids, pids)
    assert SDMLoss(tau=0.01)(shuffled)['loss_sdm'].item() > 10


def test_swapping_image_and_text_roles_gives_the_same_loss():
    torch.manual_seed(0)
    image, text = torch.randn(4, 8), torch.randn(4, 8)
    pids = torch.tensor([3, 3, 5, 7])
    loss = SDMLoss(tau=0.1)
    forward = loss(features(image, text, pids, pids))['loss_sdm']
    swapped = loss(features(text, image, pids, pids))['loss_sdm']
    assert torch.allclose(forward, swapped, atol=1e-5)
    # Not trivially symmetric: a single direction differs between them.
    logits = (torch.nn.functional.normalize(image, dim=1)
              @ torch.nn.functional.normalize(text, dim=1).t()) / 0.1
    targets = identity_targets(pids, pids)
    assert not torch.allclose(matching_kl(logits, targets),
                              matching_kl(logits.t(), targets), atol=1e-3)


def test_weight_scales_the_loss():
    torch.manual_seed(1)
    feats = features(torch.randn(3, 4), torch.randn(3, 4), [0, 1, 1],
                     [0, 1, 1])
    base = SDMLoss(tau=0.5)(feats)['loss_sdm']
    assert base.item() > 0
    scaled = SDMLoss(weight=2.5, tau=0.5)(feats)['loss_sdm']
    assert scaled.item() == pytest.approx(2.5 * base.item(), rel=1e-5)


def test_learnable_tau_is_a_parameter_with_a_gradient():
    torch.manual_seed(2)
    feats = features(torch.randn(3, 4), torch.randn(3, 4), [0, 1, 2],
                     [0, 1, 2])
    learnt = LOSSES.build(dict(type='SDMLoss', tau=0.5, learnable_tau=True))
    params = list(learnt.parameters())
    assert len(params) == 1
    learnt(feats)['loss_sdm'].backward()
    assert params[0].grad is not None and params[0].grad.abs().item() > 0

    fixed = SDMLoss(tau=0.5)
    assert list(fixed.parameters()) == []
    assert [name for name, _ in fixed.named_buffers()] == [
        'temperature.log_scale']
    out = fixed(feats)
    assert out['sdm_scale'].item() == pytest.approx(2.0)
    assert not out['sdm_scale'].requires_grad
