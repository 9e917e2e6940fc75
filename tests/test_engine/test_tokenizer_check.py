"""amnsfw.engine.tokenizer_check: the model's tokenizer in every pipeline."""
import pytest
from mmengine.config import Config

from amnsfw.engine.tokenizer_check import check_one_tokenizer
from amnsfw.errors import ConfigError

TOKENIZER = dict(type='WordLevelTokenizer', vocab_file='v.json', max_length=8)


def config(pipeline_tokenizer: dict) -> Config:
    text_pipeline = [dict(type='TokenizeCaption', tokenizer=TOKENIZER),
                     dict(type='AugmentCaptionTokens',
                          tokenizer=pipeline_tokenizer)]
    return Config(dict(
        model=dict(tokenizer=TOKENIZER),
        train_dataloader=dict(dataset=dict(text_pipeline=text_pipeline)),
        val_dataloader=dict(dataset=dict(text_pipeline=text_pipeline[:1]))))


def test_the_same_tokenizer_everywhere_passes():
    check_one_tokenizer(config(TOKENIZER))


def test_no_model_tokenizer_or_no_pipeline_passes():
    check_one_tokenizer(Config(dict(model=dict())))
    check_one_tokenizer(Config(dict(model=dict(tokenizer=TOKENIZER),
                                    train_dataloader=dict(dataset=dict()))))


def test_another_tokenizer_is_refused_naming_where_and_what():
    with pytest.raises(ConfigError) as error:
        check_one_tokenizer(config(dict(TOKENIZER, max_length=16)))
    message = str(error.value)
    assert message.startswith('train_dataloader.dataset.text_pipeline.1 '
                              '(AugmentCaptionTokens)')
    assert "differ in ['max_length']" in message
