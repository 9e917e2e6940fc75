"""TokenizeCaption: caption in, fixed-length text_ids / text_mask out."""
import pytest
import torch
from mmengine.registry import TRANSFORMS as MMENGINE_TRANSFORMS
from mmengine.registry import DefaultScope

from amnsfw.datasets.transforms import TokenizeCaption
from amnsfw.registry import TOKENIZERS

MAX_LENGTH = 16  # as in conftest.tokenizer_cfg


@pytest.fixture(scope='module')
def transform(tokenizer_cfg):
    return TokenizeCaption(tokenizer=tokenizer_cfg)


@pytest.fixture(scope='module')
def tokenizer(transform, tokenizer_cfg):
    # Built after the transform, so it loads the vocabulary that it saved.
    return TOKENIZERS.build(tokenizer_cfg)


def test_ids_and_mask_match_the_tokenizer(transform, tokenizer):
    caption = 'A person wearing a red top.'
    results = transform(dict(caption=caption, pid=4, index=2))
    ids, mask = results['text_ids'], results['text_mask']
    assert ids.dtype == mask.dtype == torch.int64
    assert ids.shape == mask.shape == (MAX_LENGTH, )
    encoded = tokenizer.encode(caption)
    assert ids[:len(encoded)].tolist() == encoded
    assert ids[0] == tokenizer.sot_id and ids[len(encoded) - 1] == \
        tokenizer.eot_id
    assert (ids[len(encoded):] == tokenizer.pad_id).all()
    assert mask.tolist() == [1] * len(encoded) + [0] * (MAX_LENGTH -
                                                        len(encoded))
    # The item keeps its other keys.
    assert (results['caption'], results['pid'], results['index']) == (
        caption, 4, 2)


def test_different_captions_give_different_ids(transform, tokenizer):
    red = transform(dict(caption='a red top'))['text_ids']
    assert not torch.equal(red, transform(dict(caption='a blue top'))
                           ['text_ids'])
    assert tokenizer.unk_id in transform(dict(caption='a zyzzyva top'))[
        'text_ids'].tolist()


def test_long_caption_is_cut_to_max_length_ending_in_eot(transform,
                                                         tokenizer):
    results = transform(dict(caption=' '.join(['red top'] * 20)))
    assert results['text_ids'].shape == (MAX_LENGTH, )
    assert results['text_mask'].tolist() == [1] * MAX_LENGTH
    assert results['text_ids'][-1] == tokenizer.eot_id


def test_built_by_name_in_default_scope(tokenizer_cfg):
    with DefaultScope.overwrite_default_scope('amnsfw'):
        transform = MMENGINE_TRANSFORMS.build(
            dict(type='TokenizeCaption', tokenizer=tokenizer_cfg))
    assert isinstance(transform, TokenizeCaption)
    assert transform.tokenizer.max_length == MAX_LENGTH
