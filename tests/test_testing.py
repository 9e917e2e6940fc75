"""amnsfw.testing: the tiny retriever and batches that tests build."""
import pytest
import torch

from amnsfw.models.losses import SDMLoss
from amnsfw.registry import MODELS
from amnsfw.testing import (TINY_ENCODER, TINY_IMAGE_SIZE, caption_inputs,
                            pair_batch, tiny_retriever_config)


def test_the_built_model_trains_with_sdm(tmp_path):
    torch.manual_seed(0)
    model = MODELS.build(tiny_retriever_config(tmp_path))
    inputs, samples = pair_batch(model, ['a man', 'a red shirt', 'a bag'],
                                 [4, 4, 9])
    losses = model(inputs, samples, mode='loss')
    # The same value as SDM computed on the model's own features.
    by_hand = SDMLoss()(model.encode_pairs(inputs, samples))['loss_sdm']
    assert losses['loss_sdm'].item() == pytest.approx(by_hand.item())
    assert losses['loss_sdm'].item() > 0
    losses['loss_sdm'].backward()
    assert model.image_encoder.patch_embedding.weight.grad.abs().sum() > 0


def test_vocabulary_and_overrides(tmp_path):
    cfg = tiny_retriever_config(tmp_path, captions=['red shoes'],
                                max_length=6,
                                loss_heads=[dict(type='ITCLoss')])
    assert cfg['loss_heads'] == [dict(type='ITCLoss')]
    model = MODELS.build(cfg)
    ids = caption_inputs(model.tokenizer, ['red shoes', 'a man'])['text_ids']
    assert ids.shape == (2, 6)
    unknown = model.tokenizer('zebra')['input_ids'][1].item()
    # The corpus' words have ids of their own; the others are unknown.
    assert unknown not in ids[0].tolist() and ids[0, 1] != ids[0, 2]
    assert ids[1, 1:3].tolist() == [unknown, unknown]
    # Every call gives new dicts: changing one leaves the next intact.
    cfg['text_encoder']['config']['projection_dim'] = 8
    again = tiny_retriever_config(tmp_path)
    assert again['text_encoder']['config'] == TINY_ENCODER
    assert TINY_ENCODER['projection_dim'] == 16


def test_pair_batch_shapes_and_ids(tmp_path):
    model = MODELS.build(tiny_retriever_config(tmp_path))
    inputs, samples = pair_batch(model, ['a man', 'a woman with a bag'],
                                 [7, 3])
    assert inputs['images'].shape == (2, 3, *TINY_IMAGE_SIZE)
    assert inputs['text_ids'].shape == inputs['text_mask'].shape == (2, 8)
    # SOT, the words and EOT are real tokens; the rest is padding.
    assert inputs['text_mask'].sum(dim=1).tolist() == [4, 7]
    assert torch.equal(inputs['text_ids'][0],
                       model.tokenizer('a man')['input_ids'])
    for modality in ('image', 'text'):
        assert samples[f'{modality}_pids'].tolist() == [7, 3]
        assert samples[f'{modality}_index'].tolist() == [0, 1]
        assert samples[f'{modality}_rows'].tolist() == [0, 1]
    with pytest.raises(ValueError, match='got 1 pids for 2 captions'):
        pair_batch(model, ['a man', 'a woman'], [7])
