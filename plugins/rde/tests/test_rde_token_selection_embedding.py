"""TokenSelectionEmbedding: RDE's top-k attention token embedding."""
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from amnsfw.plugin_api import MODELS, EncoderOutput
from amnsfw.testing import pair_batch, tiny_retriever_config
from amnsfw_rde.embedding_heads import TokenSelectionEmbedding
from amnsfw_rde.embedding_heads.token_selection_embedding import \
    select_top_tokens

WIDTH = 8


def by_hand(pool, tokens):
    """Linear + MLP of each given token, L2-normalised, then the max."""
    tokens = F.normalize(tokens, dim=-1)
    return (pool.fc(tokens) + pool.mlp(tokens)).max(dim=0).values


@pytest.fixture
def head():
    torch.manual_seed(0)
    head = TokenSelectionEmbedding(image_width=WIDTH, text_width=WIDTH,
                                   output_dim=6, mlp_hidden_dim=5)
    return head.eval()


def test_select_top_tokens_planted():
    tokens = torch.arange(6.).view(1, 6, 1)
    scores = torch.tensor([[0.9, 0.1, 0.5, 0.3, 0.8, 0.2]])
    candidates = torch.tensor([[False, True, True, True, True, False]])
    chosen, valid = select_top_tokens(tokens, scores, candidates, 2)
    assert chosen.flatten().tolist() == [4.0, 2.0]
    assert valid.tolist() == [[True, True]]
    chosen, valid = select_top_tokens(tokens, scores, candidates, 5)
    assert chosen.flatten().tolist()[:4] == [4.0, 2.0, 3.0, 1.0]
    assert valid.tolist() == [[True, True, True, True, False]]


def test_image_keeps_top_patches_by_cls_attention(head):
    torch.manual_seed(1)
    tokens = torch.randn(2, 11, WIDTH)
    attention = torch.rand(2, 1, 11) * 0.1
    attention[:, 0, 0] = 1.0  # the CLS itself: never kept
    planted = [[3, 7, 9], [1, 2, 10]]
    for row, keep in enumerate(planted):
        attention[row, 0, keep] = torch.tensor([0.5, 0.6, 0.7])
    with torch.no_grad():
        out = head.embed_image(EncoderOutput(torch.zeros(2, 4), tokens,
                                             attention))
        # k = floor(10 * 0.3) = 3.
        for row, keep in enumerate(planted):
            expected = by_hand(head.image_pool,
                               head.image_norm(tokens[row, keep]))
            assert torch.allclose(out[row], expected, atol=1e-5)
            others = [i for i in range(1, 11) if i not in keep]
            wrong = by_hand(head.image_pool,
                            head.image_norm(tokens[row, others[:3]]))
            assert not torch.allclose(out[row], wrong, atol=1e-3)
    assert out.shape == (2, 6)


def test_text_keeps_top_words_by_eot_attention(head):
    torch.manual_seed(2)
    length = 12  # k = floor(10 * 0.3) = 3
    tokens = torch.randn(3, length, WIDTH)
    mask = torch.zeros(3, length, dtype=torch.long)
    mask[0, :9] = 1  # SOT, 7 words, EOT at 8
    mask[1, :4] = 1  # SOT, 2 words, EOT at 3: fewer words than k
    mask[2, :2] = 1  # SOT, EOT: no words
    attention = torch.rand(3, 1, length) * 0.1
    attention[:, 0, 0] = 1.0  # SOT
    attention[0, 0, 8] = attention[1, 0, 3] = 1.0  # EOT
    attention[:, 0, 10:] = 2.0  # padding, planted high: never kept
    attention[0, 0, [2, 5, 6]] = torch.tensor([0.5, 0.7, 0.6])
    with torch.no_grad():
        out = head.embed_text(EncoderOutput(torch.zeros(3, 4), tokens,
                                            attention), mask)
        assert torch.allclose(out[0], by_hand(head.text_pool,
                                              tokens[0, [2, 5, 6]]),
                              atol=1e-5)
        assert torch.allclose(out[1], by_hand(head.text_pool,
                                              tokens[1, [1, 2]]), atol=1e-5)
        assert torch.allclose(out[2], by_hand(head.text_pool,
                                              tokens[2, [1]]), atol=1e-5)


def test_only_real_choices_enter_batch_norm():
    torch.manual_seed(3)
    head = TokenSelectionEmbedding(WIDTH, WIDTH, output_dim=6,
                                   mlp_hidden_dim=5).train()
    tokens = torch.randn(2, 12, WIDTH)
    mask = torch.zeros(2, 12, dtype=torch.long)
    mask[0, :9] = 1
    mask[1, :4] = 1
    attention = torch.zeros(2, 1, 12)
    attention[0, 0, [2, 5, 6]] = torch.tensor([0.5, 0.7, 0.6])
    attention[1, 0, [1, 2]] = torch.tensor([0.3, 0.4])
    out = head.embed_text(EncoderOutput(torch.zeros(2, 4), tokens, attention),
                          mask)
    # Train-mode batch statistics over exactly the 3 + 2 real choices.
    chosen = F.normalize(torch.cat([tokens[0, [2, 5, 6]], tokens[1, [1, 2]]]),
                         dim=-1)
    fresh = TokenSelectionEmbedding(WIDTH, WIDTH, output_dim=6,
                                    mlp_hidden_dim=5).train()
    fresh.load_state_dict(head.state_dict())
    mapped = fresh.text_pool.fc(chosen) + fresh.text_pool.mlp(chosen)
    expected = torch.stack(
        [mapped[:3].max(0).values, mapped[3:].max(0).values])
    assert torch.allclose(out, expected, atol=1e-5)


def test_image_norm_copied_from_encoder():
    encoder = nn.Module()
    encoder.post_layernorm = nn.LayerNorm(WIDTH)
    nn.init.normal_(encoder.post_layernorm.weight)
    head = TokenSelectionEmbedding(WIDTH, WIDTH, image_encoder=encoder)
    assert torch.equal(head.image_norm.weight, encoder.post_layernorm.weight)
    assert head.image_norm.weight is not encoder.post_layernorm.weight
    with pytest.raises(TypeError, match='post_layernorm'):
        TokenSelectionEmbedding(WIDTH, WIDTH, image_encoder=nn.Module())


def test_needs_attention(head):
    with pytest.raises(ValueError, match='attention'):
        head.embed_image(EncoderOutput(torch.zeros(1, 4),
                                       torch.zeros(1, 5, WIDTH)))


def test_in_retriever_trains_and_predicts(tmp_path):
    torch.manual_seed(0)
    model = MODELS.build(tiny_retriever_config(
        tmp_path, captions=['a man in a red shirt and blue jeans with a bag'],
        max_length=12,
        embedding_heads=dict(tse=dict(type='TokenSelectionEmbedding',
                                      output_dim=24)),
        loss_heads=[dict(type='TALLoss'),
                    dict(type='TALLoss', embedding='tse')]))
    assert model.attention == 'last'
    inputs, samples = pair_batch(
        model, ['a man in a red shirt', 'blue jeans', 'a bag'], [1, 2, 3])
    losses = model(inputs, samples, mode='loss')
    assert set(losses) == {'loss_tal_global', 'loss_tal_tse'}
    losses['loss_tal_tse'].backward()
    tse = model.embedding_heads['tse']
    assert tse.image_pool.fc.weight.grad.abs().sum() > 0
    assert tse.text_pool.mlp[0].weight.grad.abs().sum() > 0
    model.eval()
    with torch.no_grad():
        results = model(inputs, samples, mode='predict')
    assert results[0]['feats']['tse'].shape == (24, )


def test_rde_sizes_by_default():
    head = TokenSelectionEmbedding(image_width=768, text_width=512)
    assert head.ratio == 0.3
    assert head.image_pool.fc.out_features == 1024
    assert head.image_pool.mlp[0].out_features == 512
    assert head.text_pool.mlp[0].in_features == 512
