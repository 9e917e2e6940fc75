"""A config that cannot be read names the file at fault."""
import pytest

from amnsfw.engine.read_config import missing_base, read_config
from amnsfw.errors import ConfigError


def test_reads_a_config_with_bases(tmp_path):
    (tmp_path / 'base.py').write_text('a = 1\nb = 2\n')
    (tmp_path / 'exp.py').write_text("_base_ = ['./base.py']\nb = 3\n")
    cfg = read_config(str(tmp_path / 'exp.py'))
    assert (cfg.a, cfg.b) == (1, 3)
    assert missing_base(str(tmp_path / 'exp.py')) is None


def test_missing_base_names_the_config_that_asked(tmp_path):
    (tmp_path / 'sub').mkdir()
    (tmp_path / 'sub' / 'middle.py').write_text(
        "_base_ = ['../nowhere/runtime.py']\nx = 1\n")
    (tmp_path / 'exp.py').write_text("_base_ = ['./sub/middle.py']\n")
    with pytest.raises(ConfigError) as info:
        read_config(str(tmp_path / 'exp.py'))
    message = str(info.value)
    assert message.startswith(str(tmp_path / 'sub' / 'middle.py'))
    assert "'../nowhere/runtime.py' does not exist" in message
    assert str(tmp_path / 'nowhere' / 'runtime.py') in message


def test_missing_config_and_syntax_error(tmp_path):
    with pytest.raises(ConfigError, match='config file not found: .*nope'):
        read_config(str(tmp_path / 'nope.py'))
    (tmp_path / 'bad.py').write_text('a = (\n')
    with pytest.raises(ConfigError, match=r'bad\.py .*not valid Python'):
        read_config(str(tmp_path / 'bad.py'))
