"""No config leaves a top-level key that nothing reads.

A top-level key is read when it is in
:data:`amnsfw.engine.config_keys.READ_KEYS`: an argument of MMEngine's
``Runner`` or ``FlexibleRunner`` or a key they read from the config
(amnsfw's tools read no others). Anything else (a helper variable such as
``data_root``, ``tokenizer`` or ``losses``) stays in the final config, where
``--cfg-options`` can set it to no effect.
"""
import pytest
from mmengine.config import Config

from amnsfw.engine.config_keys import unread_keys
from .config_files import REPO, config_files


@pytest.mark.parametrize('name', config_files())
def test_every_top_level_key_is_read(name):
    cfg = Config.fromfile(str(REPO / name))
    unread = unread_keys(cfg.keys())
    assert not unread, (
        f'{name}: top-level keys {unread} are read by nothing (not in '
        'amnsfw.engine.config_keys.READ_KEYS); put them where they are '
        'used, or remove them')
