"""MaskCaptionTokens: IRRA's MLM input (80 % mask, 10 % random, 10 % kept)."""
import pytest
import torch

from amnsfw.datasets import collate_person_search
from amnsfw.datasets.transforms import MaskCaptionTokens, TokenizeCaption
from amnsfw.registry import TOKENIZERS, TRANSFORMS

CAPTION = 'the lady is dressed in a white top and a red skirt'  # in vocab
IGNORE = -100


@pytest.fixture(scope='module')
def tokenized(tokenizer_cfg):
    return TokenizeCaption(tokenizer=tokenizer_cfg)(dict(caption=CAPTION))


@pytest.fixture(scope='module')
def tokenizer(tokenizer_cfg):
    return TOKENIZERS.build(tokenizer_cfg)


@pytest.fixture(scope='module')
def word_positions(tokenized, tokenizer):
    """SOT at 0, EOT at length - 1: the words lie in between."""
    positions = list(range(1, int(tokenized['text_mask'].sum()) - 1))
    assert not {tokenized['text_ids'][p].item() for p in positions} & \
        tokenizer.special_ids  # every word is in the vocabulary
    return positions


def mask(tokenizer_cfg, tokenized, seed=0, **kwargs):
    transform = MaskCaptionTokens(tokenizer=tokenizer_cfg, seed=seed,
                                  **kwargs)
    return transform(dict(tokenized))


def selected(out):
    return (out['mlm_labels'] != IGNORE).nonzero().flatten().tolist()


def test_text_ids_untouched_and_shapes(tokenizer_cfg, tokenized):
    before = tokenized['text_ids'].clone()
    out = mask(tokenizer_cfg, tokenized, prob=1.0)
    assert torch.equal(out['text_ids'], before)
    assert out['mlm_ids'].shape == out['mlm_labels'].shape == before.shape
    assert out['mlm_ids'].dtype == before.dtype
    assert out['mlm_labels'].dtype == torch.long


def test_prob_zero_selects_exactly_one_word_and_masks_it(
        tokenizer_cfg, tokenized, tokenizer, word_positions):
    chosen = set()
    for seed in range(20):
        out = mask(tokenizer_cfg, tokenized, seed=seed, prob=0.0)
        (position, ) = selected(out)
        chosen.add(position)
        assert position in word_positions
        assert out['mlm_ids'][position] == tokenizer.mask_id
        assert out['mlm_labels'][position] == tokenized['text_ids'][position]
        others = torch.ones_like(out['mlm_ids'], dtype=torch.bool)
        others[position] = False
        assert torch.equal(out['mlm_ids'][others],
                           tokenized['text_ids'][others])
    assert len(chosen) > 1  # drawn at random, not always the first word


def test_prob_zero_without_at_least_one_changes_nothing(tokenizer_cfg,
                                                        tokenized):
    out = mask(tokenizer_cfg, tokenized, prob=0.0, at_least_one=False)
    assert torch.equal(out['mlm_ids'], tokenized['text_ids'])
    assert (out['mlm_labels'] == IGNORE).all()


def test_prob_one_mask_only_masks_every_word(tokenizer_cfg, tokenized,
                                             tokenizer, word_positions):
    out = mask(tokenizer_cfg, tokenized, prob=1.0, mask_ratio=1.0,
               random_ratio=0.0)
    ids, labels = out['mlm_ids'], out['mlm_labels']
    assert selected(out) == word_positions
    assert set(ids[word_positions].tolist()) == {tokenizer.mask_id}
    assert torch.equal(labels[word_positions],
                       tokenized['text_ids'][word_positions])
    rest = [p for p in range(len(ids)) if p not in word_positions]
    assert torch.equal(ids[rest], tokenized['text_ids'][rest])
    assert ids[0] == tokenizer.sot_id
    assert ids[word_positions[-1] + 1] == tokenizer.eot_id


def test_labels_ignore_exactly_the_unselected_positions(
        tokenizer_cfg, tokenized, tokenizer, word_positions):
    transform = MaskCaptionTokens(tokenizer=tokenizer_cfg, prob=0.5, seed=3)
    original = tokenized['text_ids']
    for _ in range(50):
        out = transform(dict(tokenized))
        chosen = selected(out)
        assert chosen and set(chosen) <= set(word_positions)
        # Special tokens (SOT, EOT, padding) are never selected.
        assert not {original[p].item() for p in chosen} & (
            tokenizer.special_ids | {tokenizer.pad_id})
        assert torch.equal(out['mlm_labels'][chosen], original[chosen])
        unchosen = [p for p in range(len(original)) if p not in chosen]
        assert torch.equal(out['mlm_ids'][unchosen], original[unchosen])


def test_unknown_words_are_never_selected(tokenizer_cfg, tokenizer):
    # 'coat' and 'backpack' are not in the tiny vocabulary: UNK is
    # a special id, so there is nothing to predict there.
    tokenized = TokenizeCaption(tokenizer=tokenizer_cfg)(
        dict(caption='a red coat with a backpack'))
    unknown = (tokenized['text_ids'] == tokenizer.unk_id).nonzero()
    assert unknown.flatten().tolist() == [3, 6]
    out = mask(tokenizer_cfg, tokenized, prob=1.0)
    assert selected(out) == [1, 2, 4, 5]  # 'a', 'red', 'with', 'a'


def test_split_is_about_80_10_10(tokenizer_cfg, tokenized, tokenizer,
                                 word_positions):
    transform = MaskCaptionTokens(tokenizer=tokenizer_cfg, prob=1.0, seed=7)
    original = tokenized['text_ids'][word_positions]
    masked = randomised = kept = 0
    for _ in range(300):
        ids = transform(dict(tokenized))['mlm_ids'][word_positions]
        is_mask = ids == tokenizer.mask_id
        is_kept = ids == original
        masked += int(is_mask.sum())
        kept += int(is_kept.sum())
        randomised += int((~is_mask & ~is_kept).sum())
        special = tokenizer.special_ids | {tokenizer.pad_id}
        assert not set(ids[~is_mask].tolist()) & special
    total = masked + randomised + kept
    assert total == 300 * len(word_positions)
    # A random word may equal the original (small vocabulary): 'kept' may
    # gain up to 10 % x 1 / vocabulary.
    assert abs(masked / total - 0.8) < 0.03
    assert abs(randomised / total - 0.1) < 0.03
    assert abs(kept / total - 0.1) < 0.03


def test_default_rate_selects_about_15_percent(tokenizer_cfg, tokenized,
                                               word_positions):
    transform = MaskCaptionTokens(tokenizer=tokenizer_cfg, seed=11)
    counts = [len(selected(transform(dict(tokenized)))) for _ in range(400)]
    # E[max(Binomial(n, .15), 1)] for n words.
    n = len(word_positions)
    expected = 0.15 * n + 0.85 ** n
    assert abs(sum(counts) / len(counts) - expected) < 0.2
    assert min(counts) >= 1


@pytest.mark.parametrize('kwargs', [
    dict(prob=1.5), dict(prob=-0.1), dict(mask_ratio=0.95, random_ratio=0.1),
    dict(random_ratio=-0.1)
])
def test_invalid_rates_are_refused(tokenizer_cfg, kwargs):
    with pytest.raises(ValueError, match='random_ratio'):
        MaskCaptionTokens(tokenizer=tokenizer_cfg, **kwargs)


def test_built_from_config(tokenizer_cfg):
    transform = TRANSFORMS.build(
        dict(type='MaskCaptionTokens', tokenizer=tokenizer_cfg, seed=0))
    assert isinstance(transform, MaskCaptionTokens)


def test_collate_stacks_mlm_keys(tokenizer_cfg, tokenized):
    transform = MaskCaptionTokens(tokenizer=tokenizer_cfg, seed=0)
    items = [dict(transform(dict(tokenized)), pid=p, index=p)
             for p in range(3)]
    batch = collate_person_search(items)
    length = len(tokenized['text_ids'])
    assert batch['inputs']['mlm_ids'].shape == (3, length)
    assert batch['data_samples']['mlm_labels'].shape == (3, length)
    assert torch.equal(batch['inputs']['mlm_ids'][1], items[1]['mlm_ids'])
    assert torch.equal(batch['data_samples']['mlm_labels'][2],
                       items[2]['mlm_labels'])
    plain = collate_person_search([dict(tokenized, pid=0, index=0)])
    assert 'mlm_ids' not in plain['inputs']
    assert 'mlm_labels' not in plain['data_samples']


def test_collate_refuses_a_partly_masked_batch(tokenizer_cfg, tokenized):
    masked = MaskCaptionTokens(tokenizer=tokenizer_cfg, seed=0)(
        dict(tokenized, pid=0, index=0))
    with pytest.raises(ValueError, match="1 of the 2 captions.*'mlm_ids'"):
        collate_person_search([masked, dict(tokenized, pid=1, index=1)])
