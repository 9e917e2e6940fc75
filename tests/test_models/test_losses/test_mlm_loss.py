"""MLM: IRRA's implicit relation reasoning head over masked captions."""
import pytest
import torch
import torch.nn.functional as F

from amnsfw.datasets.transforms.mask_caption_tokens import IGNORE_LABEL
from amnsfw.models.losses import MLMLoss
from amnsfw.registry import MODELS
from amnsfw.testing import pair_batch, tiny_retriever_config

VOCAB, IMAGE_WIDTH, TEXT_WIDTH = 11, 6, 5


def head(**kwargs):
    torch.manual_seed(0)
    kwargs = dict(dict(width=16, depth=2, heads=2), **kwargs)
    return MLMLoss(vocab_size=VOCAB, image_width=IMAGE_WIDTH,
                   text_width=TEXT_WIDTH, **kwargs)


def features(labels, seed=1):
    generator = torch.Generator().manual_seed(seed)
    batch, length = labels.shape
    return dict(
        mlm_text_tokens=torch.randn(batch, length, TEXT_WIDTH,
                                    generator=generator,
                                    requires_grad=True),
        image_tokens=torch.randn(batch, 4, IMAGE_WIDTH, generator=generator,
                                 requires_grad=True),
        mlm_labels=labels)


LABELS = torch.tensor([[-100, 3, -100, 7, -100],
                       [-100, -100, 10, -100, -100],
                       [-100, 1, 2, 4, -100]])


def test_default_ignore_index_is_the_transforms_label():
    assert head().ignore_index == IGNORE_LABEL


def test_equals_cross_entropy_on_masked_positions():
    mlm = head(weight=2.0)
    feats = features(LABELS)
    out = mlm(feats)
    logits = mlm.logits(feats)
    assert logits.shape == (3, 5, VOCAB)
    masked = LABELS != -100
    expected = F.cross_entropy(logits[masked], LABELS[masked])
    # Same as the mean -log softmax at the original ids, written out.
    log_p = F.log_softmax(logits, dim=-1)
    by_hand = -torch.stack([log_p[i, t, LABELS[i, t]]
                            for i, t in masked.nonzero().tolist()]).mean()
    assert expected.item() == pytest.approx(by_hand.item(), rel=1e-6)
    assert out['loss_mlm'].item() == pytest.approx(2 * expected.item(),
                                                   rel=1e-5)
    accuracy = (logits[masked].argmax(-1) == LABELS[masked]).float().mean()
    assert out['mlm_acc'].item() == pytest.approx(accuracy.item())
    assert not out['mlm_acc'].requires_grad


def test_unmasked_positions_do_not_matter():
    feats = features(LABELS)
    reference = head()(feats)['loss_mlm']
    # Whatever label marks the unmasked positions, only the masked ones
    # count: 0 as the ignore label gives the same loss...
    zeros = torch.where(LABELS == -100, torch.zeros_like(LABELS), LABELS)
    same = head(ignore_index=0)(dict(feats, mlm_labels=zeros))['loss_mlm']
    assert same.item() == pytest.approx(reference.item(), rel=1e-6)
    # ...while the default head takes those 0s as targets, and masking one
    # more position changes the loss too.
    counted = head()(dict(feats, mlm_labels=zeros))['loss_mlm']
    assert counted.item() != pytest.approx(reference.item(), rel=1e-3)
    more = LABELS.clone()
    more[0, 0] = 5
    extra = head()(dict(feats, mlm_labels=more))['loss_mlm']
    assert extra.item() != pytest.approx(reference.item(), rel=1e-3)


def test_gradient_reaches_image_and_text_tokens():
    feats = features(LABELS)
    head()(feats)['loss_mlm'].backward()
    assert feats['image_tokens'].grad.abs().sum() > 0
    assert feats['mlm_text_tokens'].grad.abs().sum() > 0


def test_prediction_depends_on_the_image():
    mlm = head()
    feats = features(LABELS)
    other = dict(feats, image_tokens=torch.randn_like(feats['image_tokens']))
    assert not torch.allclose(mlm.logits(feats), mlm.logits(other))


def test_no_masked_position_is_a_finite_zero_with_a_graph():
    mlm = head()
    out = mlm(features(torch.full((2, 5), -100)))
    assert out['loss_mlm'].item() == 0.0
    assert torch.isfinite(out['mlm_acc'])
    out['loss_mlm'].backward()
    for parameter in mlm.parameters():
        assert parameter.grad is not None
        assert torch.all(parameter.grad == 0)


def test_learns_to_recover_a_masked_word():
    # A few steps on one batch drive the loss down: the head is trainable.
    mlm = head()
    feats = {k: v.detach() if v.is_floating_point() else v
             for k, v in features(LABELS).items()}
    optimizer = torch.optim.Adam(mlm.parameters(), lr=1e-2)
    first = None
    for _ in range(30):
        loss = mlm(feats)['loss_mlm']
        first = loss.item() if first is None else first
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    assert loss.item() < 0.1 * first


def test_missing_mlm_tokens_name_the_transform():
    with pytest.raises(KeyError, match='MaskCaptionTokens'):
        head()(dict(image_tokens=torch.randn(2, 4, IMAGE_WIDTH)))


def test_labels_of_the_wrong_shape():
    feats = features(LABELS)
    with pytest.raises(ValueError, match=r'\(3, 5\), got \(3, 4\)'):
        head()(dict(feats, mlm_labels=LABELS[:, :4]))


def test_width_must_split_into_heads():
    with pytest.raises(ValueError, match='width=10 and heads=4'):
        head(width=10, heads=4)


def test_retriever_fills_in_sizes_and_computes_loss_mlm(tmp_path):
    torch.manual_seed(0)
    model = MODELS.build(tiny_retriever_config(
        tmp_path,
        loss_heads=[dict(type='SDMLoss'),
                    dict(type='MLMLoss', width=32, depth=1, heads=2)]))
    mlm = model.loss_heads[1]
    assert mlm.vocab_size == model.tokenizer.vocab_size
    assert mlm.text_proj.in_features == model.text_encoder.width
    assert mlm.image_proj.in_features == model.image_encoder.width

    inputs, samples = pair_batch(model, ['a red shirt', 'a bag'], [0, 1])
    text_ids = inputs['text_ids']
    # Mask the first word of each caption (position 1, after SOT).
    inputs['mlm_ids'] = text_ids.clone()
    inputs['mlm_ids'][:, 1] = model.tokenizer.mask_id
    samples['mlm_labels'] = torch.full_like(text_ids, IGNORE_LABEL)
    samples['mlm_labels'][:, 1] = text_ids[:, 1]
    losses = model(inputs, samples, mode='loss')
    assert {'loss_sdm', 'loss_mlm', 'mlm_acc'} <= set(losses)
    # About log(vocab) at a random start, certainly finite and positive.
    assert 0 < losses['loss_mlm'].item() < 3 * torch.log(
        torch.tensor(float(model.tokenizer.vocab_size))).item()
    losses['loss_mlm'].backward()
    assert model.image_encoder.patch_embedding.weight.grad.abs().sum() > 0
    token_table = model.text_encoder.text_model.embeddings.token_embedding
    assert token_table.weight.grad.abs().sum() > 0
