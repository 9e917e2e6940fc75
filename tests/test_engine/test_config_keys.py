"""amnsfw.engine.config_keys: the top-level keys something reads."""
import pytest
from mmengine.config import Config

from amnsfw.engine.config_keys import READ_KEYS, check_overrides, unread_keys
from amnsfw.errors import ConfigError


def test_runner_arguments_and_extra_keys_are_read():
    assert {'model', 'train_dataloader', 'optim_wrapper', 'custom_hooks',
            'randomness', 'work_dir'} <= READ_KEYS
    # Read through the config rather than as arguments.
    assert {'model_wrapper_cfg', 'find_unused_parameters', 'runner_type',
            'strategy'} <= READ_KEYS


def test_unread_keys_are_named_sorted():
    assert unread_keys(['model', 'tokenizer', 'data_root']) == [
        'data_root', 'tokenizer']
    assert unread_keys(['model', 'train_cfg']) == []


def test_an_option_under_a_read_key_passes():
    cfg = Config(dict(model=dict(loss_heads=[dict(tau=0.02)])))
    check_overrides(cfg, {'model.loss_heads.0.tau': 0.05,
                          'train_cfg.max_epochs': 2})


@pytest.mark.parametrize('option, message', [
    ('losses.0.tau', "'losses', so the option would change nothing; did "
     'you mean model.loss_heads?'),
    ('nothing_like_it', "'nothing_like_it', so the option would change "
     'nothing'),
])
def test_an_option_under_an_unread_key_is_refused(option, message):
    cfg = Config(dict(model=dict(loss_heads=[dict(tau=0.02)]),
                      helper_variable=1))
    with pytest.raises(ConfigError) as error:
        check_overrides(cfg, {option: 1})
    assert str(error.value).startswith(f'--cfg-options {option}: ')
    assert str(error.value).endswith(message)


def test_an_existing_unread_key_is_refused_too():
    """Setting a helper variable after the file was read changes
    nothing, even though the config has it."""
    cfg = Config(dict(model=dict(), data_root='data/x'))
    with pytest.raises(ConfigError, match="top-level key 'data_root'"):
        check_overrides(cfg, {'data_root': '/elsewhere'})
