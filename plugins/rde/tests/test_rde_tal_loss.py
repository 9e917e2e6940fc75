"""TALLoss: RDE's triplet alignment loss and its TRL / InfoNCE variants."""
import math

import pytest
import torch
import torch.nn.functional as F

from amnsfw.plugin_api import LOSSES
from amnsfw_rde.losses import TALLoss


def features(image, text, pids, **extra):
    pids = torch.as_tensor(pids)
    return dict(image_embeds=image, text_embeds=text, image_pids=pids,
                text_pids=pids.clone(), **extra)


def test_hand_computed_two_pairs():
    # S = [[1, .6], [0, .8]]: one negative per anchor, so the log-sum-exp
    # is that negative. image 0: [.5 - 1 + .6]+ = .1, image 1: [.5 - .8 +
    # 0]+ = 0, caption 0: [.5 - 1 + 0]+ = 0, caption 1: [.5 - .8 + .6]+ = .3
    image = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    text = torch.tensor([[1.0, 0.0], [0.6, 0.8]])
    loss = TALLoss(tau=0.02, margin=0.5)
    feats = features(image, text, [0, 1])
    assert torch.allclose(loss.per_pair_loss(feats), torch.tensor([0.1, 0.3]),
                          atol=1e-6)
    assert loss(feats)['loss_tal_global'].item() == pytest.approx(0.4,
                                                                  abs=1e-6)


def reference_tal(sims, pids, tau, margin):
    """TAL of each row anchor, written out with plain Python loops."""
    out = []
    for i, row in enumerate(sims.tolist()):
        pos = [j for j in range(len(row)) if pids[j] == pids[i]]
        neg = [j for j in range(len(row)) if pids[j] != pids[i]]
        norm = sum(math.exp(row[j] / tau) for j in pos)
        positive = sum(math.exp(row[j] / tau) / norm * row[j] for j in pos)
        negative = tau * math.log(sum(math.exp(row[j] / tau) for j in neg))
        out.append(max(0.0, margin - positive + negative))
    return torch.tensor(out)


def test_matches_loop_reference_with_shared_identities():
    torch.manual_seed(0)
    pids = [0, 0, 1, 2, 2]
    image, text = torch.randn(5, 8), torch.randn(5, 8)
    sims = F.normalize(image, dim=1) @ F.normalize(text, dim=1).t()
    tau, margin = 0.1, 0.3
    expected = (reference_tal(sims, pids, tau, margin)
                + reference_tal(sims.t(), pids, tau, margin))
    got = TALLoss(tau=tau, margin=margin).per_pair_loss(
        features(image, text, pids))
    assert torch.allclose(got, expected, atol=1e-5)
    assert got.sum() > 0


def test_tal_bounds_hardest_negative_triplet_loss():
    torch.manual_seed(1)
    tau = 0.05
    for _ in range(5):
        pids = torch.randint(0, 4, (8, ))
        feats = features(torch.randn(8, 6), torch.randn(8, 6), pids)
        tal = TALLoss(tau=tau).per_pair_loss(feats)
        trl = TALLoss(tau=tau, variant='trl').per_pair_loss(feats)
        # tau * logsumexp >= max, and exceeds it by at most tau * log(#neg)
        # per direction.
        assert (tal >= trl - 1e-6).all()
        assert (tal - trl <= 2 * tau * math.log(8) + 1e-6).all()


def test_zero_pair_weight_removes_that_pair():
    torch.manual_seed(2)
    feats = features(torch.randn(4, 6), torch.randn(4, 6), [0, 1, 2, 3])
    loss = TALLoss(tau=0.5, margin=1.0)
    per_pair = loss.per_pair_loss(feats)
    assert (per_pair > 0).all()
    weighted = loss(dict(feats, pair_weights=torch.tensor([1., 0., 1., 1.])))
    assert weighted['loss_tal_global'].item() == pytest.approx(
        (per_pair.sum() - per_pair[1]).item(), rel=1e-6)
    mean = TALLoss(tau=0.5, margin=1.0, reduction='mean')
    weighted = mean(dict(feats, pair_weights=torch.tensor([1., 0., 1., 1.])))
    assert weighted['loss_tal_global'].item() == pytest.approx(
        (per_pair.sum() - per_pair[1]).item() / 3, rel=1e-6)
    nothing = mean(dict(feats, pair_weights=torch.zeros(4)))
    assert nothing['loss_tal_global'].item() == 0.0


@pytest.mark.parametrize('variant', ['tal', 'trl', 'infonce'])
@pytest.mark.parametrize('case', ['identical', 'opposite', 'one_identity'])
def test_gradient_finite_at_extreme_similarities(variant, case):
    image = torch.ones(4, 3)
    text = torch.ones(4, 3)
    pids = [0, 1, 2, 3]
    if case == 'opposite':
        text = torch.tensor([[1., 0, 0], [-1, 0, 0], [0, 1, 0], [0, -1, 0]])
        image = text.clone()
    if case == 'one_identity':
        pids = [5, 5, 5, 5]
    image.requires_grad_(True)
    text.requires_grad_(True)
    loss = TALLoss(tau=0.015, variant=variant)(features(image, text, pids))
    value = next(iter(loss.values()))
    value.backward()
    assert torch.isfinite(value)
    assert torch.isfinite(image.grad).all() and torch.isfinite(text.grad).all()
    if variant == 'tal' and case == 'identical':
        # S = 1 everywhere: [m - 1 + tau log(3 e^(1/tau))]+ per direction.
        expected = 4 * 2 * (0.1 + 0.015 * math.log(3))
        assert value.item() == pytest.approx(expected, rel=1e-5)
    if variant != 'infonce' and case == 'one_identity':
        assert value.item() == 0.0  # no negatives


def test_infonce_mean_equals_itc():
    torch.manual_seed(3)
    image, text = torch.randn(6, 5), torch.randn(6, 5)
    feats = features(image, text, [0, 1, 2, 3, 4, 5])
    ours = TALLoss(tau=0.02, variant='infonce')(feats)['loss_infonce_global']
    itc = LOSSES.build(dict(type='ITCLoss', tau=0.02))(feats)['loss_itc']
    assert ours.item() == pytest.approx(itc.item(), rel=1e-5)


def test_named_embedding_and_term():
    torch.manual_seed(4)
    feats = features(torch.randn(3, 4), torch.randn(3, 4), [0, 1, 2],
                     image_embeds_tse=torch.randn(3, 7),
                     text_embeds_tse=torch.randn(3, 7))
    tse = TALLoss(embedding='tse', weight=2.0)
    out = tse(feats)
    assert set(out) == {'loss_tal_tse'}
    alone = TALLoss()(dict(feats, image_embeds=feats['image_embeds_tse'],
                           text_embeds=feats['text_embeds_tse']))
    assert out['loss_tal_tse'].item() == pytest.approx(
        2 * alone['loss_tal_global'].item(), rel=1e-6)
    with pytest.raises(KeyError, match='image_embeds_local'):
        TALLoss(embedding='local')(feats)


def test_rejects_unknown_options():
    with pytest.raises(ValueError, match="variant must be one of"):
        TALLoss(variant='sdm')
    with pytest.raises(ValueError, match='reduction must be one of'):
        TALLoss(reduction='max')
    assert TALLoss(variant='infonce').reduction == 'mean'
    assert TALLoss(variant='trl').reduction == 'sum'
