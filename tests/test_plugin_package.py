"""An external plugin package, pip-installed, used from a config by name."""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

BUILD_FROM_CONFIG = """
from mmengine.config import Config
from amnsfw.registry import MASKERS
cfg = Config.fromfile({config!r})
masker = MASKERS.build(cfg.masker)
print(type(masker).__name__, masker.mask_ratio)
"""


@pytest.fixture(scope='module')
def plugin_site(tmp_path_factory, request) -> Path:
    """The fixture plugin installed with pip into a private folder."""
    target = tmp_path_factory.mktemp('site')
    # Built from a copy, so pip leaves no build files in the repository.
    source = tmp_path_factory.mktemp('src') / 'amnsfw-fixture-plugin'
    shutil.copytree(
        Path(request.config.rootpath) / 'tests' / 'fixtures' /
        'amnsfw-fixture-plugin', source)
    subprocess.run([
        sys.executable, '-m', 'pip', 'install', '--quiet', '--no-deps',
        '--no-build-isolation', '--no-index', '--target', str(target),
        str(source)
    ], check=True)
    return target


def run_python(code: str, site: Path, **env) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items()
               if not k.startswith('AMNSFW')}
    environ.update(PYTHONPATH=str(site), **env)
    return subprocess.run([sys.executable, '-c', code], env=environ,
                          capture_output=True, text=True, timeout=120)


@pytest.fixture(scope='module')
def config_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp('cfg') / 'use_fixture_masker.py'
    path.write_text("masker = dict(type='FixtureMasker', mask_ratio=0.25)\n")
    return path


def test_config_names_plugin_component(plugin_site, config_file):
    result = run_python(BUILD_FROM_CONFIG.format(config=str(config_file)),
                        plugin_site)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ['FixtureMasker', '0.25']


def test_cli_lists_plugin_distribution_version_and_components(plugin_site):
    result = run_python('from amnsfw.cli import main; main(["plugins"])',
                        plugin_site)
    assert result.returncode == 0, result.stderr
    assert ('fixture  distribution=amnsfw-fixture-plugin  version=0.3.1'
            in result.stdout)
    assert 'masker: FixtureMasker' in result.stdout
    result = run_python(
        'from amnsfw.cli import main; main(["components", "masker"])',
        plugin_site)
    assert 'FixtureMasker  [fixture]' in result.stdout


@pytest.mark.parametrize('env, why', [
    ({'AMNSFW_DISABLE_PLUGIN_AUTOLOAD': '1'},
     'AMNSFW_DISABLE_PLUGIN_AUTOLOAD=1 and AMNSFW_PLUGINS does not name it'),
    ({'AMNSFW_PLUGINS': 'some_other_plugin'},
     'AMNSFW_PLUGINS=some_other_plugin does not name it'),
])
def test_plugin_not_loaded_when_excluded(plugin_site, config_file, env, why):
    result = run_python(BUILD_FROM_CONFIG.format(config=str(config_file)),
                        plugin_site, **env)
    assert result.returncode != 0
    assert "unknown masker 'FixtureMasker'" in result.stderr
    # The error tells the loaded plugins from the installed but skipped one.
    assert ('Loaded plugins: amnsfw 0.1.0 (amnsfw); installed but not '
            'loaded: ') in result.stderr
    assert f'fixture 0.3.1 (amnsfw-fixture-plugin) [{why}]' in result.stderr


def test_allowlist_loads_named_plugin(plugin_site, config_file):
    result = run_python(BUILD_FROM_CONFIG.format(config=str(config_file)),
                        plugin_site, AMNSFW_DISABLE_PLUGIN_AUTOLOAD='1',
                        AMNSFW_PLUGINS='fixture')
    assert result.returncode == 0, result.stderr
