"""TextImageRetriever: loss, predict and build-time checks."""
import copy

import pytest
import torch
from torch import nn

from amnsfw.models.retrievers import TextImageRetriever
from amnsfw.registry import MODELS, UnknownComponentError
from amnsfw.testing import (TINY_IMAGE_SIZE, caption_inputs, pair_batch,
                            tiny_retriever_config)


@pytest.fixture
def cfg(tmp_path):
    return tiny_retriever_config(
        tmp_path, loss_heads=[dict(type='SDMLoss', tau=0.02)])


@pytest.fixture
def model(cfg):
    torch.manual_seed(0)
    return MODELS.build(cfg)


def three_pairs(model):
    return pair_batch(model, ['a man', 'a red shirt', 'a blue bag'],
                      [4, 4, 9])


def test_build(model):
    assert isinstance(model, TextImageRetriever)
    assert len(model.loss_heads) == 1


def test_loss_reaches_both_encoders(model):
    inputs, samples = three_pairs(model)
    losses = model(inputs, samples, mode='loss')
    assert set(losses) == {'loss_sdm', 'sdm_scale'}
    assert losses['loss_sdm'].ndim == 0 and losses['loss_sdm'].item() > 0
    losses['loss_sdm'].backward()
    for encoder in (model.image_encoder, model.text_encoder):
        grad = encoder.projection.weight.grad
        assert grad is not None and grad.abs().sum() > 0
    assert model.image_encoder.patch_embedding.weight.grad.abs().sum() > 0
    token_grad = model.text_encoder.text_model.embeddings.token_embedding
    assert token_grad.weight.grad.abs().sum() > 0


class KeepFirstTokens(nn.Module):
    """A test masker that records its calls."""

    def __init__(self, keep):
        super().__init__()
        self.keep, self.calls = keep, 0

    def forward(self, tokens, images, text_embeds):
        self.calls += 1
        self.seen = (images, text_embeds)
        return tokens[:, :self.keep]


def test_masker_applies_in_loss_only(model):
    model.masker = KeepFirstTokens(keep=3)
    inputs, samples = three_pairs(model)
    model(inputs, samples, mode='loss')
    assert model.masker.calls == 1
    images, text_embeds = model.masker.seen
    assert images is inputs['images']
    assert text_embeds.shape == (3, 16)
    model(inputs, samples, mode='predict')
    model(inputs, mode='tensor')
    assert model.masker.calls == 1


def test_predict_one_entry_per_image_and_caption(model):
    model.eval()
    inputs = dict(images=torch.randn(2, 3, *TINY_IMAGE_SIZE),
                  **caption_inputs(model.tokenizer,
                                   ['a man', 'a woman', 'a red bag']))
    samples = dict(image_pids=torch.tensor([7, 3]),
                   image_index=torch.tensor([10, 11]),
                   image_rows=torch.tensor([0, 1]),
                   text_pids=torch.tensor([3, 7, 7]),
                   text_index=torch.tensor([20, 21, 22]),
                   text_rows=torch.tensor([2, 3, 4]))
    with torch.no_grad():
        results = model(inputs, samples, mode='predict')
        feats = model(inputs, mode='tensor')
    assert [(r['modality'], r['index'], r['pid']) for r in results] == [
        ('image', 10, 7), ('image', 11, 3),
        ('text', 20, 3), ('text', 21, 7), ('text', 22, 7)]
    for row, result in enumerate(results[:2]):
        assert torch.allclose(result['feats']['global'],
                              feats['image_embeds'][row])
    for row, result in enumerate(results[2:]):
        assert torch.allclose(result['feats']['global'],
                              feats['text_embeds'][row])
    assert results[0]['feats']['global'].shape == (16, )


def test_predict_keeps_the_batch_order_of_mixed_items(model):
    # Batch items: text, image, text (as a distributed sampler hands them).
    model.eval()
    inputs = dict(images=torch.randn(1, 3, *TINY_IMAGE_SIZE),
                  **caption_inputs(model.tokenizer, ['a man', 'a red bag']))
    samples = dict(image_pids=torch.tensor([4]),
                   image_index=torch.tensor([0]),
                   image_rows=torch.tensor([1]),
                   text_pids=torch.tensor([4, 5]),
                   text_index=torch.tensor([7, 8]),
                   text_rows=torch.tensor([0, 2]))
    with torch.no_grad():
        results = model(inputs, samples, mode='predict')
    assert [(r['modality'], r['index']) for r in results] == [
        ('text', 7), ('image', 0), ('text', 8)]


def test_predict_text_only_batch(model):
    model.eval()
    inputs = caption_inputs(model.tokenizer, ['a man', 'a blue shirt'])
    samples = dict(text_pids=torch.tensor([1, 2]),
                   text_index=torch.tensor([5, 6]),
                   text_rows=torch.tensor([0, 1]))
    with torch.no_grad():
        results = model(inputs, samples, mode='predict')
    assert [(r['modality'], r['index'], r['pid']) for r in results] == [
        ('text', 5, 1), ('text', 6, 2)]


def test_preprocessed_uint8_batch_trains(model):
    data = dict(inputs=dict(images=torch.randint(
        0, 256, (2, 3, *TINY_IMAGE_SIZE), dtype=torch.uint8),
        **caption_inputs(model.tokenizer, ['a man', 'a woman'])),
                data_samples=dict(image_pids=torch.tensor([0, 1]),
                                  text_pids=torch.tensor([0, 1])))
    data = model.data_preprocessor(data, training=True)
    losses = model(**data, mode='loss')
    assert torch.isfinite(losses['loss_sdm'])


def test_unknown_mode(model):
    with pytest.raises(ValueError, match="'train'"):
        model(caption_inputs(model.tokenizer, ['a man']), mode='train')


def test_mismatched_projection_dims(cfg):
    cfg['text_encoder']['config']['projection_dim'] = 8
    with pytest.raises(ValueError, match='16 dims, text features 8'):
        MODELS.build(cfg)


def test_two_heads_with_the_same_terms(cfg):
    cfg['loss_heads'] = [dict(type='SDMLoss'),
                         dict(type='SDMLoss', weight=0.5)]
    model = MODELS.build(cfg)
    inputs, samples = three_pairs(model)
    with pytest.raises(KeyError, match='loss_sdm'):
        model(inputs, samples, mode='loss')


def test_empty_losses(cfg):
    cfg['loss_heads'] = []
    with pytest.raises(ValueError, match='at least one loss head'):
        MODELS.build(cfg)


def test_unknown_loss_type(cfg):
    bad = copy.deepcopy(cfg)
    bad['loss_heads'] = [dict(type='SDMLos')]
    with pytest.raises(UnknownComponentError, match="'SDMLos'.*SDMLoss"):
        MODELS.build(bad)


class MeanTokenHead(nn.Module):
    """A test embedding head: attention-weighted mean of the tokens."""

    attention = 'last'

    def __init__(self, embed_dim, image_width, text_width):
        super().__init__()
        self.image = nn.Linear(image_width, embed_dim)
        self.text = nn.Linear(text_width, embed_dim)

    def embed_image(self, output):
        weights = output.attention[:, -1].unsqueeze(-1)
        return self.image((weights * output.tokens).sum(1))

    def embed_text(self, output, text_mask):
        weights = output.attention[:, -1].unsqueeze(-1)
        return self.text((weights * output.tokens).sum(1))


@pytest.fixture
def embedding_head_registered():
    from amnsfw.registry import EMBEDDING_HEADS
    EMBEDDING_HEADS.register_module(module=MeanTokenHead, force=True)
    yield
    EMBEDDING_HEADS.module_dict.pop('MeanTokenHead')


def test_embedding_heads_get_model_facts_and_feed_predict(
        cfg, embedding_head_registered):
    cfg['embedding_heads'] = dict(mean=dict(type='MeanTokenHead'))
    model = MODELS.build(cfg)
    assert model.attention == 'last'
    head = model.embedding_heads['mean']
    assert head.image.in_features == 32 and head.image.out_features == 16
    inputs, samples = three_pairs(model)
    features = model(inputs, mode='tensor')
    assert features['image_attention'].shape == (3, 1, 1 + 8)
    assert features['text_embeds_mean'].shape == (3, 16)
    model.eval()
    with torch.no_grad():
        results = model(inputs, samples, mode='predict')
    assert set(results[0]['feats']) == {'global', 'mean'}


def test_an_embedding_head_cannot_be_named_global(cfg):
    cfg['embedding_heads'] = {'global': dict(type='MeanTokenHead')}
    with pytest.raises(ValueError, match="'global' names the encoders"):
        MODELS.build(cfg)


def test_mlm_ids_are_encoded_for_the_loss_heads(model):
    seen = {}

    class Recorder(nn.Module):
        def forward(self, features):
            seen.update(features)
            return dict(loss_zero=features['image_embeds'].sum() * 0)

    model.loss_heads.append(Recorder())
    inputs, samples = three_pairs(model)
    model(inputs, samples, mode='loss')
    assert 'mlm_text_tokens' not in seen
    inputs['mlm_ids'] = inputs['text_ids'].clone()
    model(inputs, samples, mode='loss')
    assert torch.allclose(seen['mlm_text_tokens'], seen['text_tokens'])


def test_loss_batch_is_checked(cfg):
    cfg['loss_batch'] = 'rank'
    with pytest.raises(ValueError, match="loss_batch.*'rank'"):
        MODELS.build(cfg)


@pytest.mark.parametrize('loss_batch', ['global', 'local'])
def test_one_process_loss_heads_see_the_batch_itself(cfg, loss_batch):
    # Without DDP there is nothing to gather: 'global' trains exactly as
    # before it existed.
    model = MODELS.build(dict(cfg, loss_batch=loss_batch))
    features = model.encode_pairs(*three_pairs(model))
    assert model.batch_features(features) is features
