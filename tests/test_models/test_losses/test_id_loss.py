"""ID: a shared person-id classifier on image and text features."""
import pytest
import torch
import torch.nn.functional as F

from amnsfw.models.losses import IDLoss


def test_is_mean_of_image_and_text_cross_entropy():
    torch.manual_seed(0)
    head = IDLoss(num_classes=4, embed_dim=3, weight=2.0)
    image, text = torch.randn(5, 3), torch.randn(5, 3)
    pids = torch.tensor([0, 1, 2, 3, 1])
    loss = head(dict(image_embeds=image, text_embeds=text, image_pids=pids,
                     text_pids=pids))['loss_id']
    expected = 0.5 * (F.cross_entropy(head.classifier(image), pids)
                      + F.cross_entropy(head.classifier(text), pids))
    assert loss.item() == pytest.approx(2.0 * expected.item(), rel=1e-6)


def test_one_classifier_is_shared_by_both_modalities():
    head = IDLoss(num_classes=3, embed_dim=2)
    features = dict(image_embeds=torch.randn(2, 2, requires_grad=True),
                    text_embeds=torch.randn(2, 2, requires_grad=True),
                    image_pids=torch.tensor([0, 2]),
                    text_pids=torch.tensor([0, 2]))
    head(features)['loss_id'].backward()
    assert features['image_embeds'].grad.abs().sum() > 0
    assert features['text_embeds'].grad.abs().sum() > 0
    assert len(list(head.parameters())) == 2  # one weight, one bias


def test_label_outside_classes_is_a_clear_error():
    head = IDLoss(num_classes=3, embed_dim=2)
    pids = torch.tensor([0, 3])
    with pytest.raises(ValueError, match='num_classes=3'):
        head(dict(image_embeds=torch.randn(2, 2),
                  text_embeds=torch.randn(2, 2), image_pids=pids,
                  text_pids=pids))


def test_zero_classifier_gives_log_num_classes():
    # Limit case: all logits equal, so each CE is log C whatever the label.
    head = IDLoss(num_classes=5, embed_dim=3)
    torch.nn.init.zeros_(head.classifier.weight)
    torch.nn.init.zeros_(head.classifier.bias)
    pids = torch.tensor([0, 4, 2])
    loss = head(dict(image_embeds=torch.randn(3, 3),
                     text_embeds=torch.randn(3, 3), image_pids=pids,
                     text_pids=pids))['loss_id']
    assert loss.item() == pytest.approx(
        torch.log(torch.tensor(5.0)).item(), rel=1e-6)
