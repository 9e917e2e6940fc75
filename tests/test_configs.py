"""Every config parses with MMEngine and holds no import statement."""
import ast
import glob
import os

import pytest
from mmengine.config import Config

CONFIG_DIR = os.path.join(os.path.dirname(__file__), '..', 'configs')
CONFIGS = sorted(
    os.path.relpath(path, CONFIG_DIR)
    for path in glob.glob(os.path.join(CONFIG_DIR, '**', '*.py'),
                          recursive=True))


def test_configs_found():
    assert 'configs' in os.listdir(os.path.join(CONFIG_DIR, '..'))
    assert os.path.join('_base_', 'datasets', 'cuhk_pedes.py') in CONFIGS


@pytest.mark.parametrize('name', CONFIGS)
def test_config_has_no_import(name):
    with open(os.path.join(CONFIG_DIR, name), encoding='utf-8') as file:
        tree = ast.parse(file.read().replace('{{', '(').replace('}}', ')'))
    imports = [
        node.lineno for node in ast.walk(tree)
        if isinstance(node, (ast.Import, ast.ImportFrom))
    ]
    assert not imports, f'{name}: import statement on lines {imports}'


@pytest.mark.parametrize('name', CONFIGS)
def test_config_parses(name):
    cfg = Config.fromfile(os.path.join(CONFIG_DIR, name))
    assert len(cfg) > 0


@pytest.mark.parametrize('name, folder', [('cuhk_pedes', 'CUHK-PEDES'),
                                          ('icfg_pedes', 'ICFG-PEDES'),
                                          ('rstpreid', 'RSTPReid')])
def test_real_data_root_comes_from_the_environment(monkeypatch, name,
                                                   folder):
    path = os.path.join(CONFIG_DIR, '_base_', 'datasets', f'{name}.py')
    monkeypatch.delenv('AMNSFW_DATA_ROOT', raising=False)
    default = Config.fromfile(path)
    assert default.train_dataloader.dataset.data_root == f'data/{folder}'
    monkeypatch.setenv('AMNSFW_DATA_ROOT', '/datasets')
    cfg = Config.fromfile(path)
    for loader in ('train', 'val', 'test'):
        assert cfg[f'{loader}_dataloader'].dataset.data_root == \
            f'/datasets/{folder}'
