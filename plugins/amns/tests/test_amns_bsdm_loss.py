"""BSDM (AMNS): SDM at beta = 0, the reverse KL by hand, limits, weights."""
import math

import pytest
import torch
import torch.nn.functional as F

from amnsfw.plugin_api import LOSSES
from amnsfw_amns.losses import BSDMLoss


def features(image, text, image_pids, text_pids, **extra):
    feats = dict(image_embeds=torch.as_tensor(image, dtype=torch.float),
                 text_embeds=torch.as_tensor(text, dtype=torch.float),
                 image_pids=torch.as_tensor(image_pids),
                 text_pids=torch.as_tensor(text_pids))
    feats.update(extra)
    return feats


def random_features(seed, pids=(3, 3, 5, 7)):
    generator = torch.Generator().manual_seed(seed)
    return features(torch.randn(len(pids), 6, generator=generator),
                    torch.randn(len(pids), 6, generator=generator), pids,
                    pids)


def test_registered_by_the_plugin():
    loss = LOSSES.build(dict(type='BSDMLoss', alpha=0.5, tau=0.1))
    assert isinstance(loss, BSDMLoss) and loss.alpha == 0.5


@pytest.mark.parametrize('tau,weight', [(0.02, 1.0), (0.3, 2.5)])
def test_alpha_one_beta_zero_is_sdm_exactly(tau, weight):
    feats = random_features(0)
    ours = BSDMLoss(alpha=1.0, beta=0.0, tau=tau, weight=weight)(feats)
    sdm = LOSSES.build(dict(type='SDMLoss', tau=tau, weight=weight))(feats)
    assert torch.equal(ours['loss_bsdm'], sdm['loss_sdm'])
    assert torch.equal(ours['bsdm_scale'], sdm['sdm_scale'])
    # The default adds a positive reverse term.
    both = BSDMLoss(tau=tau, weight=weight)(feats)['loss_bsdm']
    assert both.item() > ours['loss_bsdm'].item() + 1e-3


def test_reverse_term_by_hand():
    # tau = 1, pids (0, 0, 1): q rows are (1/2, 1/2, 0), (1/2, 1/2, 0),
    # (0, 0, 1), the same for both directions.
    image = [[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]
    text = [[1.0, 0.0], [1.0, 1.0], [0.0, 1.0]]
    pids = [0, 0, 1]

    def unit(v):
        return [x / math.hypot(*v) for x in v]

    sim = [[sum(a * b for a, b in zip(unit(v), unit(t))) for t in text]
           for v in image]

    def reverse_kl(rows, row_pids, col_pids):
        total = 0.0
        for row, pid in zip(rows, row_pids):
            norm = sum(math.exp(x) for x in row)
            positives = [j for j, other in enumerate(col_pids) if other == pid]
            q = 1 / len(positives)
            total += sum(q * (math.log(q) - math.log(math.exp(row[j]) / norm))
                         for j in positives)
        return total / len(rows)

    columns = [list(col) for col in zip(*sim)]
    expected = reverse_kl(sim, pids, pids) + reverse_kl(columns, pids, pids)
    out = BSDMLoss(alpha=0.0, beta=1.0, tau=1.0)(
        features(image, text, pids, pids))
    assert out['loss_bsdm'].item() == pytest.approx(expected, abs=1e-5)


def test_reverse_term_with_unique_ids_is_diagonal_cross_entropy():
    feats = random_features(1, pids=(0, 1, 2, 3))
    tau = 0.1
    logits = (F.normalize(feats['image_embeds'], dim=1)
              @ F.normalize(feats['text_embeds'], dim=1).t()) / tau
    diagonal = torch.arange(4)
    expected = (F.cross_entropy(logits, diagonal)
                + F.cross_entropy(logits.t(), diagonal))
    out = BSDMLoss(alpha=0.0, beta=1.0, tau=tau)(feats)['loss_bsdm']
    assert torch.allclose(out, expected, atol=1e-5)


@pytest.mark.parametrize('order', [[0, 1, 2], [2, 0, 1]])
def test_gradients_finite_at_extreme_similarities(order):
    # tau = 1e-3: s * S = +-1000 between identical / opposite vectors; the
    # shuffled order puts every positive far below its negatives.
    base = torch.tensor([[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0]])
    image = base.clone().requires_grad_()
    text = base[order].clone().requires_grad_()
    feats = dict(image_embeds=image, text_embeds=text,
                 image_pids=torch.arange(3), text_pids=torch.arange(3))
    loss = BSDMLoss(tau=1e-3)(feats)['loss_bsdm']
    assert torch.isfinite(loss)
    if order == [0, 1, 2]:
        assert loss.item() == pytest.approx(0.0, abs=1e-5)
    else:
        # Reverse term alone is ~ 2 * 1000 per anchor.
        assert loss.item() > 1000
    loss.backward()
    for grad in (image.grad, text.grad):
        assert torch.isfinite(grad).all()


def test_pair_weights_scale_each_anchor():
    feats = random_features(2)
    loss = BSDMLoss(tau=0.2)

    def with_weights(weights):
        return loss(dict(feats, pair_weights=torch.tensor(weights)))[
            'loss_bsdm']

    unweighted = loss(feats)['loss_bsdm']
    assert torch.allclose(with_weights([1.0, 1.0, 1.0, 1.0]), unweighted)
    # Each pair's share, and the sum of the shares is the whole loss.
    shares = [with_weights([float(i == k) for i in range(4)])
              for k in range(4)]
    assert all(share.item() > 0 for share in shares)
    assert torch.allclose(sum(shares), unweighted, atol=1e-5)
    # A zero weight removes exactly that pair's share.
    dropped = with_weights([1.0, 0.0, 1.0, 1.0])
    assert torch.allclose(dropped, unweighted - shares[1], atol=1e-5)
    with pytest.raises(ValueError, match=r'pair_weights must have shape'):
        with_weights([1.0, 1.0])


def test_refuses_negative_or_zero_factors():
    with pytest.raises(ValueError, match='alpha and beta'):
        BSDMLoss(alpha=-1.0)
    with pytest.raises(ValueError, match='alpha and beta'):
        BSDMLoss(alpha=0.0, beta=0.0)
