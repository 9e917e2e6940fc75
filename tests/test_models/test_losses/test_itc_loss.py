"""ITC: CLIP's symmetric InfoNCE with the pair's partner as only positive."""
import math

import pytest
import torch
import torch.nn.functional as F

from amnsfw.models.losses import ITCLoss


def features(image, text, pids=None):
    pids = torch.arange(len(image)) if pids is None else pids
    return dict(image_embeds=image, text_embeds=text, image_pids=pids,
                text_pids=pids)


def test_hand_computed_two_pairs():
    # Unit features: S = [[1, 0], [0, 1]]; with tau = 1 each row's softmax
    # puts e/(e+1) on its partner, so each CE is log(1 + 1/e) = log(1 + e^-1).
    eye = torch.eye(2)
    loss = ITCLoss(tau=1.0)(features(eye, eye))['loss_itc']
    assert loss.item() == pytest.approx(math.log(1 + math.exp(-1)))


def test_matches_cross_entropy_reference():
    torch.manual_seed(0)
    image, text = torch.randn(5, 8), torch.randn(5, 8)
    loss = ITCLoss(tau=0.1)(features(image, text))['loss_itc']
    logits = F.normalize(image, dim=1) @ F.normalize(text, dim=1).t() / 0.1
    target = torch.arange(5)
    expected = 0.5 * (F.cross_entropy(logits, target)
                      + F.cross_entropy(logits.t(), target))
    assert loss.item() == pytest.approx(expected.item(), rel=1e-5)


def test_limit_aligned_features_small_tau_is_zero_and_shuffle_is_not():
    eye = torch.eye(4)
    head = ITCLoss(tau=0.01)
    assert head(features(eye, eye))['loss_itc'].item() < 1e-6
    assert head(features(eye, eye[[1, 0, 3, 2]]))['loss_itc'].item() > 10


def test_symmetric_in_image_and_text_and_weighted():
    torch.manual_seed(1)
    image, text = torch.randn(4, 6), torch.randn(4, 6)
    a = ITCLoss(tau=0.2)(features(image, text))['loss_itc']
    b = ITCLoss(tau=0.2)(features(text, image))['loss_itc']
    assert a.item() == pytest.approx(b.item(), rel=1e-6)
    c = ITCLoss(tau=0.2, weight=3.0)(features(image, text))['loss_itc']
    assert c.item() == pytest.approx(3 * a.item(), rel=1e-6)


def test_identity_positives_equal_clip_form_with_distinct_ids():
    torch.manual_seed(2)
    image, text = torch.randn(4, 6), torch.randn(4, 6)
    plain = ITCLoss(tau=0.1)(features(image, text))['loss_itc']
    aware = ITCLoss(tau=0.1, identity_positives=True)(
        features(image, text))['loss_itc']
    assert aware.item() == pytest.approx(plain.item(), rel=1e-6)


def test_identity_positives_reward_scoring_the_whole_person():
    # Pairs 0 and 1 are one person, but each image matches only its own
    # caption: CLIP's form is satisfied (~0), the identity form is not, as it
    # wants the other caption of the same person scored as high.
    image = torch.eye(3)
    pids = torch.tensor([7, 7, 9])
    clip_form = ITCLoss(tau=0.01)(features(image, image, pids))['loss_itc']
    aware = ITCLoss(tau=0.01, identity_positives=True)(
        features(image, image, pids))['loss_itc']
    assert clip_form.item() < 1e-6
    assert aware.item() > 10


@pytest.mark.parametrize('identity_positives', [False, True])
def test_distinct_ids_equal_inverse_kl_of_one_hot_targets(identity_positives):
    # With every id unique the target q_i is one-hot on the partner, so
    # KL(q_i || p_i) = sum_j q_ij log(q_ij / p_ij) = -log p_ii; ITC is that
    # inverse KL averaged over both retrieval directions (default tau).
    torch.manual_seed(3)
    image, text = torch.randn(6, 8), torch.randn(6, 8)
    loss = ITCLoss(identity_positives=identity_positives)(
        features(image, text))['loss_itc']
    logits = F.normalize(image, dim=1) @ F.normalize(text, dim=1).t() / 0.02
    q = torch.eye(6)

    def inverse_kl(scores):
        log_p = F.log_softmax(scores, dim=1)
        return (torch.xlogy(q, q) - q * log_p).sum(dim=1).mean()

    expected = 0.5 * (inverse_kl(logits) + inverse_kl(logits.t()))
    assert loss.item() == pytest.approx(expected.item(), rel=1e-5)
    diagonal = -F.log_softmax(logits, dim=1).diagonal().mean()
    assert inverse_kl(logits).item() == pytest.approx(diagonal.item(),
                                                      rel=1e-6)
