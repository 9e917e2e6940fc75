"""WAF (AMNS): cross-entropy on the positive mass at gamma = 0, focusing,
normalised weights, limits and pair weights."""
import pytest
import torch
import torch.nn.functional as F

from amnsfw.plugin_api import LOSSES
from amnsfw_amns.losses import WAFLoss

PIDS = (3, 3, 5, 7)


def random_features(seed, pids=PIDS):
    generator = torch.Generator().manual_seed(seed)
    return dict(image_embeds=torch.randn(len(pids), 6, generator=generator),
                text_embeds=torch.randn(len(pids), 6, generator=generator),
                image_pids=torch.tensor(pids), text_pids=torch.tensor(pids))


def positive_mass(feats, tau):
    """p+ of every anchor, image->text rows then text->image rows, from
    softmax probabilities summed over the positives."""
    logits = (F.normalize(feats['image_embeds'], dim=1)
              @ F.normalize(feats['text_embeds'], dim=1).t()) / tau
    same = (feats['image_pids'].view(-1, 1)
            == feats['text_pids'].view(1, -1)).float()
    i2t = (logits.softmax(dim=1) * same).sum(dim=1)
    t2i = (logits.t().softmax(dim=1) * same.t()).sum(dim=1)
    return i2t, t2i


def test_registered_by_the_plugin():
    loss = LOSSES.build(dict(type='WAFLoss', gamma=1.0,
                             weighting='normalized'))
    assert isinstance(loss, WAFLoss) and loss.weighting == 'normalized'


def test_gamma_zero_is_cross_entropy_on_the_positive_mass():
    feats = random_features(0)
    i2t, t2i = positive_mass(feats, tau=0.2)
    expected = -i2t.log().mean() - t2i.log().mean()
    # The repeated id makes p+ differ from the diagonal probability.
    logits = (F.normalize(feats['image_embeds'], dim=1)
              @ F.normalize(feats['text_embeds'], dim=1).t()) / 0.2
    diagonal_ce = F.cross_entropy(logits, torch.arange(4))
    assert not torch.allclose(-i2t.log().mean(), diagonal_ce, atol=1e-3)
    for weighting in ('uniform', 'normalized'):
        out = WAFLoss(gamma=0.0, weighting=weighting, tau=0.2)(feats)
        assert torch.allclose(out['loss_waf'], expected, atol=1e-5)


def test_focusing_by_hand_and_below_cross_entropy():
    feats = random_features(1)
    i2t, t2i = positive_mass(feats, tau=0.2)
    expected = sum(((1 - p) ** 2 * -p.log()).mean() for p in (i2t, t2i))
    focal = WAFLoss(gamma=2.0, tau=0.2)(feats)['loss_waf']
    assert torch.allclose(focal, expected, atol=1e-5)
    plain = WAFLoss(gamma=0.0, tau=0.2)(feats)['loss_waf']
    milder = WAFLoss(gamma=0.5, tau=0.2)(feats)['loss_waf']
    assert focal.item() < milder.item() < plain.item()
    scaled = WAFLoss(gamma=2.0, tau=0.2, weight=3.0)(feats)['loss_waf']
    assert scaled.item() == pytest.approx(3 * focal.item(), rel=1e-5)


def test_normalized_weights_have_batch_mean_one():
    feats = random_features(2)
    i2t, t2i = positive_mass(feats, tau=0.2)
    # sum_i f_i CE_i / sum_i f_i per direction: weights f_i / mean_k f_k.
    expected = sum(((1 - p) ** 2 * -p.log()).sum() / ((1 - p) ** 2).sum()
                   for p in (i2t, t2i))
    out = WAFLoss(gamma=2.0, weighting='normalized', tau=0.2)(feats)
    assert torch.allclose(out['loss_waf'], expected, atol=1e-5)


def test_normalized_equals_cross_entropy_when_all_anchors_are_alike():
    # A rotation-symmetric batch: every anchor has the same p+, so the
    # normalised weights are all 1 and, detached, leave CE's gradient too.
    angles = torch.arange(4) * torch.pi / 2
    ring = torch.stack([angles.cos(), angles.sin()], dim=1)
    shifted = torch.stack([(angles + 0.3).cos(), (angles + 0.3).sin()], 1)

    def run(**kwargs):
        image = ring.clone().requires_grad_()
        feats = dict(image_embeds=image, text_embeds=shifted,
                     image_pids=torch.arange(4), text_pids=torch.arange(4))
        loss = WAFLoss(tau=0.5, **kwargs)(feats)['loss_waf']
        loss.backward()
        return loss, image.grad

    plain, plain_grad = run(gamma=0.0)
    normalized, normalized_grad = run(gamma=2.0, weighting='normalized')
    uniform, uniform_grad = run(gamma=2.0)
    assert torch.allclose(normalized, plain, atol=1e-6)
    assert torch.allclose(normalized_grad, plain_grad, atol=1e-6)
    assert uniform.item() < plain.item() - 1e-3
    assert not torch.allclose(uniform_grad, plain_grad, atol=1e-4)


@pytest.mark.parametrize('gamma,weighting', [(2.0, 'uniform'),
                                             (2.0, 'normalized'),
                                             (0.0, 'uniform')])
@pytest.mark.parametrize('order', [[0, 1, 2], [2, 0, 1]])
def test_finite_at_extreme_similarities(gamma, weighting, order):
    # tau = 1e-3: s * S = +-1000 between identical / opposite vectors.
    base = torch.tensor([[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0]])
    image = base.clone().requires_grad_()
    text = base[order].clone().requires_grad_()
    feats = dict(image_embeds=image, text_embeds=text,
                 image_pids=torch.arange(3), text_pids=torch.arange(3))
    loss = WAFLoss(gamma=gamma, weighting=weighting, tau=1e-3)(feats)[
        'loss_waf']
    assert torch.isfinite(loss)
    if order == [0, 1, 2]:
        # Perfectly separated: every p+ is 1.
        assert loss.item() == pytest.approx(0.0, abs=1e-6)
    else:
        assert loss.item() > 1000
    loss.backward()
    for grad in (image.grad, text.grad):
        assert torch.isfinite(grad).all()


def test_separated_batch_vanishes_as_tau_falls():
    eye = torch.eye(3)
    feats = dict(image_embeds=eye, text_embeds=eye,
                 image_pids=torch.tensor([0, 1, 1]),
                 text_pids=torch.tensor([0, 1, 1]))
    losses = [WAFLoss(gamma=0.0, tau=tau)(feats)['loss_waf'].item()
              for tau in (1.0, 0.1, 0.01)]
    assert losses[0] > losses[1] > losses[2]
    assert losses[2] == pytest.approx(0.0, abs=1e-6)


def test_pair_weights_scale_each_anchor():
    feats = random_features(3)
    loss = WAFLoss(tau=0.2)

    def with_weights(weights):
        return loss(dict(feats, pair_weights=torch.tensor(weights)))[
            'loss_waf']

    unweighted = loss(feats)['loss_waf']
    assert torch.allclose(with_weights([1.0] * 4), unweighted)
    shares = [with_weights([float(i == k) for i in range(4)])
              for k in range(4)]
    assert all(share.item() > 0 for share in shares)
    assert torch.allclose(sum(shares), unweighted, atol=1e-6)
    dropped = with_weights([1.0, 1.0, 0.0, 1.0])
    assert torch.allclose(dropped, unweighted - shares[2], atol=1e-6)


def test_refuses_bad_arguments():
    with pytest.raises(ValueError, match='gamma must be >= 0'):
        WAFLoss(gamma=-1.0)
    with pytest.raises(ValueError, match="weighting must be one of"):
        WAFLoss(weighting='softmax')
