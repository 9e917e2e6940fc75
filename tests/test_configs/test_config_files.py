"""Every config parses with MMEngine, holds no import statement, and reads
its data from AMNSFW_DATA_ROOT."""
import ast

import pytest
from mmengine.config import Config

from .config_files import REPO, config_files

CONFIGS = config_files()
LEAVES = config_files(leaves_only=True)


def test_configs_found():
    assert 'configs/_base_/datasets/cuhkpedes.py' in CONFIGS
    assert 'plugins/rde/configs/rde_tinyclip_30e_synthpedes.py' in LEAVES
    assert 'plugins/amns/configs/amns_vitb16_60e_rstpreid.py' in LEAVES
    assert not any('_base_' in name for name in LEAVES)


@pytest.mark.parametrize('name', CONFIGS)
def test_config_has_no_import(name):
    text = (REPO / name).read_text(encoding='utf-8')
    tree = ast.parse(text.replace('{{', '(').replace('}}', ')'))
    imports = [
        node.lineno for node in ast.walk(tree)
        if isinstance(node, (ast.Import, ast.ImportFrom))
    ]
    assert not imports, f'{name}: import statement on lines {imports}'


@pytest.mark.parametrize('name', CONFIGS)
def test_config_parses(name):
    cfg = Config.fromfile(str(REPO / name))
    assert len(cfg) > 0


@pytest.mark.parametrize('name', LEAVES)
def test_every_data_root_comes_from_the_environment(monkeypatch, name):
    """One variable moves every loader of every recipe (SynthPEDES too)."""
    monkeypatch.delenv('AMNSFW_DATA_ROOT', raising=False)
    default = Config.fromfile(str(REPO / name))
    monkeypatch.setenv('AMNSFW_DATA_ROOT', '/datasets')
    cfg = Config.fromfile(str(REPO / name))
    for loader in ('train', 'val', 'test'):
        dataset = cfg[f'{loader}_dataloader'].dataset
        if 'data_root' not in dataset:  # the streamed pretraining corpus
            continue
        folder = default[f'{loader}_dataloader'].dataset.data_root
        assert folder.startswith('data/')
        assert dataset.data_root == '/datasets/' + folder[len('data/'):]
