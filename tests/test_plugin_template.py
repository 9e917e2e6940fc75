"""``amnsfw new-plugin``: each kind's package installs, passes its own tests
and trains from its config, which names the component with no import."""
import configparser
import glob
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from mmengine.config import Config

from amnsfw.cli import main
from amnsfw.datasets.synthpedes import generate_synthpedes
from amnsfw.engine.config_keys import unread_keys
from amnsfw.plugin_template import BASE_CONFIG, KINDS, generate_plugin

REPO = Path(__file__).resolve().parents[1]

#: Trains each generated config two iterations (the runner of
#: tests/test_configs/test_tiny_recipes.py) and prints what the runner built
#: from the plugin's names.
TRAIN_BY_NAME = """
import json, math, sys
from pathlib import Path
from mmengine.runner import Runner
from tests.test_configs.test_tiny_recipes import two_iteration_config
data_root, work_dir, configs = sys.argv[1], Path(sys.argv[2]), sys.argv[3:]
for config in configs:
    cfg = two_iteration_config(config, Path(data_root),
                               work_dir / Path(config).stem)
    runner = Runner.from_cfg(cfg)
    runner.train()
    model = runner.model
    losses = runner.message_hub.get_scalar('train/loss').data[0]
    print(json.dumps(dict(
        masker=type(model.masker).__name__,
        losses=[type(head).__name__ for head in model.loss_heads],
        backbone=type(model.image_encoder).__name__,
        dataset=type(runner.train_dataloader.dataset).__name__,
        iters=runner.iter, finite=all(map(math.isfinite, losses)))))
"""


def clean_environ(**env) -> dict:
    """This process's environment without AMNSFW_* variables, plus ``env``."""
    environ = {k: v for k, v in os.environ.items()
               if not k.startswith('AMNSFW')}
    environ.update(env)
    return environ


def test_package_data_covers_every_template():
    setup = configparser.ConfigParser()
    setup.read(REPO / 'setup.cfg')
    globs = setup['options.package_data']['amnsfw'].split(',')
    shipped = {Path(path) for pattern in globs
               for path in glob.glob(str(REPO / 'amnsfw' / pattern.strip()))}
    templates = {path for path in (REPO / 'amnsfw' / 'templates').rglob('*')
                 if path.is_file()}
    assert len(templates) == 6 + 3 * len(KINDS)
    assert templates <= shipped


def test_names_follow_the_conventions(tmp_path):
    root = generate_plugin('my-thing', 'backbone', tmp_path)
    assert root == tmp_path / 'amnsfw-my-thing'
    module = root / 'amnsfw_my_thing'
    component = module / 'backbones' / 'my_thing_image_encoder.py'
    assert 'class MyThingImageEncoder(nn.Module):' in component.read_text()
    setup = configparser.ConfigParser()
    setup.read(root / 'setup.cfg')
    assert setup['metadata']['name'] == 'amnsfw-my-thing'
    assert (setup['options.entry_points']['amnsfw.plugins'].strip() ==
            'my_thing = amnsfw_my_thing.plugin')
    assert "AMNSFW_PLUGIN_API = '1'" in (module / 'plugin.py').read_text()
    config = root / 'configs' / 'my_thing_tinyclip_30e_synthpedes.py'
    base = REPO / 'configs' / BASE_CONFIG
    assert f"_base_ = ['{base}']" in config.read_text()
    assert (root / 'tests' / 'test_my_thing.py').is_file()
    for path in root.rglob('*.py'):
        compile(path.read_text(), str(path), 'exec')  # no placeholder left


@pytest.mark.parametrize('name', ['MyPlugin', '1st', 'a--b', 'a b', ''])
def test_refuses_names_that_make_no_module(name, tmp_path):
    with pytest.raises(ValueError, match='plugin name must be'):
        generate_plugin(name, 'loss', tmp_path)
    assert not any(tmp_path.iterdir())


def test_refuses_to_overwrite_or_to_guess_the_configs(tmp_path):
    generate_plugin('twice', 'loss', tmp_path)
    with pytest.raises(FileExistsError, match='amnsfw-twice already exists'):
        generate_plugin('twice', 'masker', tmp_path)
    with pytest.raises(FileNotFoundError, match='pass the configs/ folder'):
        generate_plugin('other', 'loss', tmp_path, configs=tmp_path)


def test_cli_writes_the_package(tmp_path, capsys):
    assert main(['new-plugin', 'cli-made', '--kind', 'dataset',
                 '--dest', str(tmp_path)]) == 0
    root = tmp_path / 'amnsfw-cli-made'
    assert f'wrote {root}' in capsys.readouterr().out
    dataset = root / 'amnsfw_cli_made' / 'datasets' / 'cli_made_dataset.py'
    assert "ANN_FILE = 'cli_made.json'" in dataset.read_text()
    assert main(['new-plugin', 'cli-made', '--dest', str(tmp_path)]) == 2
    assert 'amnsfw-cli-made already exists' in capsys.readouterr().err


@pytest.mark.parametrize('kind', KINDS)
def test_generated_config_leaves_no_unread_top_level_key(kind, tmp_path):
    """A generated config is a model for the author's next ones: it holds
    no helper variable that the runner would not read."""
    root = generate_plugin(f'keys-{kind}', kind, tmp_path)
    config = Config.fromfile(str(next((root / 'configs').glob('*.py'))))
    assert unread_keys(config.keys()) == []


@pytest.fixture(scope='module')
def installed(tmp_path_factory):
    """One generated package per kind, pip-installed into a private folder
    (the virtual environment is left as it is)."""
    dest = tmp_path_factory.mktemp('generated')
    roots = {kind: generate_plugin(f'tmpl-{kind}', kind, dest)
             for kind in KINDS}
    site = dest / 'site'
    subprocess.run([
        sys.executable, '-m', 'pip', 'install', '--quiet', '--no-deps',
        '--no-build-isolation', '--no-index', '--target', str(site),
        *map(str, roots.values())], check=True, timeout=300)
    return roots, site


def test_generated_tests_pass_as_generated(installed):
    roots, site = installed
    result = subprocess.run(
        [sys.executable, '-m', 'pytest', '-q', '-p', 'no:cacheprovider',
         *(str(root / 'tests') for root in roots.values())],
        cwd=next(iter(roots.values())).parent, capture_output=True,
        text=True, timeout=300, env=clean_environ(PYTHONPATH=str(site)))
    assert result.returncode == 0, result.stdout + result.stderr
    assert ' passed' in result.stdout and 'skipped' not in result.stdout


def test_generated_configs_train_with_the_components_by_name(
        installed, tmp_path):
    roots, site = installed
    generate_synthpedes(tmp_path, num_train_ids=8, num_val_ids=2,
                        num_test_ids=2, images_per_id=2)
    configs = [str(next((root / 'configs').glob('*.py')))
               for root in roots.values()]
    result = subprocess.run(
        [sys.executable, '-c', TRAIN_BY_NAME, str(tmp_path / 'SynthPEDES'),
         str(tmp_path / 'work'), *configs],
        cwd=REPO, capture_output=True, text=True, timeout=300,
        env=clean_environ(PYTHONPATH=str(site)))
    assert result.returncode == 0, result.stderr[-3000:]
    built = dict(zip(KINDS, (json.loads(line) for line in
                             result.stdout.splitlines() if line[:1] == '{')))
    assert built['masker']['masker'] == 'TmplMaskerMasker'
    assert built['loss']['losses'] == ['ITCLoss', 'TmplLossLoss']
    assert built['backbone']['backbone'] == 'TmplBackboneImageEncoder'
    assert built['dataset']['dataset'] == 'TmplDatasetDataset'
    assert all(run['iters'] == 2 and run['finite'] for run in built.values())
