"""AugmentCaptionTokens: RDE's mask / replace / delete of caption tokens."""
import pytest
import torch

from amnsfw.datasets.transforms import AugmentCaptionTokens, TokenizeCaption
from amnsfw.registry import TOKENIZERS

CAPTION = 'a woman in a red coat with a black backpack'


@pytest.fixture(scope='module')
def tokenized(tokenizer_cfg):
    return TokenizeCaption(tokenizer=tokenizer_cfg)(dict(caption=CAPTION))


@pytest.fixture(scope='module')
def tokenizer(tokenized, tokenizer_cfg):
    return TOKENIZERS.build(tokenizer_cfg)


def augment(tokenizer_cfg, tokenized, **kwargs):
    transform = AugmentCaptionTokens(tokenizer=tokenizer_cfg, seed=0,
                                     **kwargs)
    return transform(dict(tokenized))


def real_tokens(results):
    return results['text_ids'][:int(results['text_mask'].sum())].tolist()


def test_probability_zero_changes_nothing(tokenizer_cfg, tokenized):
    out = augment(tokenizer_cfg, tokenized, prob=0.0)
    assert torch.equal(out['text_ids'], tokenized['text_ids'])
    assert torch.equal(out['text_mask'], tokenized['text_mask'])


def test_mask_only_masks_every_word_and_keeps_sot_eot(tokenizer_cfg,
                                                      tokenized, tokenizer):
    out = augment(tokenizer_cfg, tokenized, prob=1.0, mask_ratio=1.0,
                  replace_ratio=0.0)
    before, after = real_tokens(tokenized), real_tokens(out)
    assert len(after) == len(before)
    assert after[0] == tokenizer.sot_id and after[-1] == tokenizer.eot_id
    assert set(after[1:-1]) == {tokenizer.mask_id}


def test_delete_only_leaves_sot_eot_then_padding(tokenizer_cfg, tokenized,
                                                 tokenizer):
    out = augment(tokenizer_cfg, tokenized, prob=1.0, mask_ratio=0.0,
                  replace_ratio=0.0)
    assert real_tokens(out) == [tokenizer.sot_id, tokenizer.eot_id]
    assert (out['text_ids'][2:] == tokenizer.pad_id).all()
    assert out['text_mask'].tolist() == [1, 1] + [0] * (
        len(out['text_mask']) - 2)


def test_replace_only_draws_word_tokens(tokenizer_cfg, tokenized, tokenizer):
    out = augment(tokenizer_cfg, tokenized, prob=1.0, mask_ratio=0.0,
                  replace_ratio=1.0)
    words = real_tokens(out)[1:-1]
    assert len(words) == len(real_tokens(tokenized)) - 2
    special = set(tokenizer.special_ids) | {tokenizer.pad_id}
    assert not special & set(words)
    assert words != real_tokens(tokenized)[1:-1]


def test_default_rates_perturb_about_a_fifth_of_the_words(tokenizer_cfg,
                                                          tokenized):
    transform = AugmentCaptionTokens(tokenizer=tokenizer_cfg, seed=1)
    before = real_tokens(tokenized)
    changed = 0
    for _ in range(200):
        after = real_tokens(transform(dict(tokenized)))
        changed += len(after) != len(before) or after != before
        assert after[0] == before[0] and after[-1] == before[-1]
    # P(caption untouched) = 0.8 ** words; most are perturbed, not all.
    assert 100 < changed < 200


@pytest.mark.parametrize('kwargs', [
    dict(prob=1.5), dict(prob=-0.1), dict(mask_ratio=0.9, replace_ratio=0.2),
    dict(mask_ratio=-0.1)
])
def test_invalid_rates_are_refused(tokenizer_cfg, kwargs):
    with pytest.raises(ValueError, match='mask_ratio'):
        AugmentCaptionTokens(tokenizer=tokenizer_cfg, **kwargs)
