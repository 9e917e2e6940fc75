"""CLIPTextEncoder: pooling at the first EOT, sizing from the tokenizer."""
from types import SimpleNamespace

import pytest
import torch
from transformers import CLIPTextConfig, CLIPTextModelWithProjection

from amnsfw.models.backbones import CLIPTextEncoder, EncoderOutput
from amnsfw.registry import TOKENIZERS
from amnsfw.testing import TINY_ENCODER, caption_inputs, tiny_tokenizer_config

CONFIG = dict(TINY_ENCODER, projection_dim=24)
MAX_LENGTH = 8


@pytest.fixture
def tokenizer(tmp_path):
    return TOKENIZERS.build(
        tiny_tokenizer_config(tmp_path, max_length=MAX_LENGTH))


def batch(tokenizer, *captions):
    inputs = caption_inputs(tokenizer, captions)
    return inputs['text_ids'], inputs['text_mask']


def first_eot(ids, eot_id):
    return (ids == eot_id).int().argmax(dim=1)


def pooled(encoder, out, ids, eot_id):
    """The projection of the final state at each row's first EOT."""
    rows = torch.arange(ids.shape[0])
    return encoder.projection(out.tokens[rows, first_eot(ids, eot_id)])


def test_random_weights_are_sized_from_the_tokenizer(tokenizer):
    encoder = CLIPTextEncoder(tokenizer, config=CONFIG)
    embeddings = encoder.text_model.embeddings
    assert embeddings.token_embedding.num_embeddings == tokenizer.vocab_size
    assert embeddings.position_embedding.num_embeddings == MAX_LENGTH
    assert encoder.text_model.eos_token_id == tokenizer.eot_id == 4
    assert encoder.embed_dim == 24
    ids, mask = batch(tokenizer, 'a man', 'a woman with a blue bag')
    out = encoder.eval()(ids, mask)
    assert isinstance(out, EncoderOutput)
    assert out.embeds.shape == (2, 24)
    assert out.tokens.shape == (2, MAX_LENGTH, 32)


def test_pools_the_first_eot(tokenizer):
    torch.manual_seed(0)
    encoder = CLIPTextEncoder(tokenizer, config=CONFIG).eval()
    ids, mask = batch(tokenizer, 'a man in red', 'a woman')
    eot = tokenizer.eot_id
    with torch.no_grad():
        out = encoder(ids, mask)
        assert torch.allclose(out.embeds, pooled(encoder, out, ids, eot),
                              atol=1e-6)
        # Tokens after the first EOT (padding, even another EOT) do not
        # change the feature: the model is causal.
        after = ids.clone()
        after[:, -1] = eot
        after[1, -2] = tokenizer.vocab_size - 1
        assert torch.allclose(encoder(after, mask).embeds, out.embeds,
                              atol=1e-6)
        # A word before EOT does.
        before = ids.clone()
        before[:, 1] = tokenizer.vocab_size - 1
        changed = encoder(before, mask).embeds
        assert not torch.allclose(changed, out.embeds, atol=1e-4)


def save_text_model(path, **overrides):
    torch.manual_seed(1)
    arguments = dict(CONFIG, vocab_size=20,
                     max_position_embeddings=MAX_LENGTH)
    arguments.update(overrides)
    config = CLIPTextConfig(**arguments)
    model = CLIPTextModelWithProjection(config).eval()
    model.save_pretrained(path)
    return model


def stub_tokenizer(eot_id, max_length=MAX_LENGTH):
    return SimpleNamespace(vocab_size=20, max_length=max_length,
                           eot_id=eot_id, sot_id=3, pad_id=0)


def test_tokenizer_eot_overrides_a_legacy_checkpoint_eos(tmp_path):
    # transformers pools at argmax(ids) when eos_token_id == 2 (its default).
    model = save_text_model(tmp_path, eos_token_id=2)
    assert model.config.eos_token_id == 2
    encoder = CLIPTextEncoder(stub_tokenizer(eot_id=4),
                              pretrained=str(tmp_path)).eval()
    assert encoder.eot_id == 4
    # The largest id (15) comes before EOT: argmax would pool position 1.
    ids = torch.tensor([[3, 15, 7, 4, 0, 0, 0, 0]])
    mask = (torch.arange(MAX_LENGTH) < 4).long().unsqueeze(0)
    with torch.no_grad():
        out = encoder(ids, mask)
        assert torch.allclose(out.embeds, encoder.projection(out.tokens[:, 3]),
                              atol=1e-6)
        assert not torch.allclose(out.embeds,
                                  encoder.projection(out.tokens[:, 1]),
                                  atol=1e-4)


def test_an_eot_id_of_two_still_pools_the_first_eot():
    encoder = CLIPTextEncoder(stub_tokenizer(eot_id=2), config=CONFIG).eval()
    ids = torch.tensor([[3, 15, 7, 2, 0, 0, 0, 0]])
    mask = (torch.arange(MAX_LENGTH) < 4).long().unsqueeze(0)
    with torch.no_grad():
        out = encoder(ids, mask)
    assert torch.allclose(out.embeds, encoder.projection(out.tokens[:, 3]),
                          atol=1e-6)


def test_tokenizer_longer_than_the_positions_raises(tmp_path):
    save_text_model(tmp_path, max_position_embeddings=6, eos_token_id=4)
    with pytest.raises(ValueError, match='max_length 8 exceeds the 6'):
        CLIPTextEncoder(stub_tokenizer(eot_id=4), pretrained=str(tmp_path))


@pytest.mark.parametrize('both', [True, False])
def test_exactly_one_of_config_and_pretrained(both, tokenizer, tmp_path):
    kwargs = dict(config=CONFIG, pretrained=str(tmp_path)) if both else {}
    with pytest.raises(ValueError, match='exactly one of config'):
        CLIPTextEncoder(tokenizer, **kwargs)


def test_pretrained_matches_transformers(tmp_path, tokenizer):
    model = save_text_model(tmp_path, vocab_size=tokenizer.vocab_size,
                            eos_token_id=tokenizer.eot_id)
    encoder = CLIPTextEncoder(tokenizer, pretrained=str(tmp_path)).eval()
    ids, mask = batch(tokenizer, 'a red bag', 'a man with a blue shirt')
    with torch.no_grad():
        ours = encoder(ids, mask)
        theirs = model(input_ids=ids, attention_mask=mask)
    assert torch.allclose(ours.embeds, theirs.text_embeds, atol=1e-5)
    assert torch.allclose(ours.tokens, theirs.last_hidden_state, atol=1e-5)


def test_eot_attention_equals_transformers_eager_attention(tmp_path,
                                                           tokenizer):
    save_text_model(tmp_path, vocab_size=tokenizer.vocab_size,
                    eos_token_id=tokenizer.eot_id, num_hidden_layers=2)
    reference = CLIPTextModelWithProjection.from_pretrained(
        tmp_path, attn_implementation='eager').eval()
    encoder = CLIPTextEncoder(tokenizer, pretrained=str(tmp_path)).eval()
    ids, mask = batch(tokenizer, 'a red bag', 'a man with a blue shirt')
    with torch.no_grad():
        maps = reference(input_ids=ids, attention_mask=mask,
                         output_attentions=True).attentions
        every = encoder(ids, mask, attention='all').attention
        last = encoder(ids, mask, attention='last').attention
    rows = torch.arange(2)
    eot = first_eot(ids, tokenizer.eot_id)
    expected = torch.stack([layer[rows, :, eot].mean(dim=1) for layer in maps],
                           dim=1)
    assert every.shape == (2, 2, MAX_LENGTH)
    assert torch.allclose(every, expected, atol=1e-6)
    assert torch.equal(last[:, 0], every[:, 1])
    # Nothing after the EOT is attended to.
    after = torch.arange(MAX_LENGTH) > eot.view(-1, 1)
    assert torch.all(every[after.unsqueeze(1).expand_as(every)] == 0)


def test_an_added_mask_token_gets_a_mean_embedding_row(tmp_path):
    model = save_text_model(tmp_path, eos_token_id=4)
    tokenizer = SimpleNamespace(vocab_size=21, max_length=MAX_LENGTH,
                                eot_id=4, sot_id=3, pad_id=0)
    encoder = CLIPTextEncoder(tokenizer, pretrained=str(tmp_path))
    table = encoder.text_model.embeddings.token_embedding.weight
    pretrained = model.text_model.embeddings.token_embedding.weight
    assert table.shape[0] == 21
    assert torch.equal(table[:20], pretrained)
    assert torch.allclose(table[20], pretrained.mean(dim=0))
    ids = torch.tensor([[3, 20, 7, 4, 0, 0, 0, 0]])
    mask = (ids != 0).long()
    assert torch.isfinite(encoder(ids, mask).embeds).all()
