import json
import os

import pytest
import torch
from mmengine.registry import init_default_scope

from amnsfw import model_zoo
from amnsfw.apis import init_model
from amnsfw.hookspecs import hookimpl
from amnsfw.model_zoo import (ZooError, get_entry, load_tower_state,
                              resolve_zoo_file, sha256_of, write_entry)
from amnsfw.plugins import load_plugins
from amnsfw.registry import BACKBONES, MODELS
from amnsfw.testing import tiny_retriever_config


class ZooDirPlugin:
    """A plugin that ships one folder of zoo entries."""

    def __init__(self, folder):
        self.folder = folder

    @hookimpl
    def amnsfw_model_zoo_dirs(self):
        return [str(self.folder)]


@pytest.fixture
def plugin_zoo(tmp_path):
    """An empty zoo folder registered through the plugin hook."""
    folder = tmp_path / 'zoo'
    folder.mkdir()
    manager = load_plugins().manager
    plugin = ZooDirPlugin(folder)
    manager.register(plugin)
    yield folder
    manager.unregister(plugin)


@pytest.fixture
def tiny_entry(tmp_path, plugin_zoo):
    """A zoo entry made from a tiny retriever (with ITC and its learnt
    temperature), and that retriever's config."""
    init_default_scope('amnsfw')
    cfg = tiny_retriever_config(tmp_path,
                                loss_heads=[dict(type='ITCLoss',
                                                 learnable_tau=True)])
    source = MODELS.build(cfg)
    with torch.no_grad():
        for head in source.loss_heads:
            for parameter in head.parameters():
                parameter.fill_(3.0)
    tokenizer = cfg['tokenizer']['vocab_file']
    entry = write_entry(str(plugin_zoo), 'tiny', source.state_dict(),
                        {'tokenizer.json': tokenizer}, dict(seed=0))
    return entry, cfg, source


def test_entry_holds_the_towers_only_with_their_sha256(tiny_entry):
    entry, _, source = tiny_entry
    state = torch.load(entry.file('weights.pth'), weights_only=True)
    assert state.keys() == {key for key in source.state_dict()
                            if key.startswith(('image_encoder.',
                                               'text_encoder.'))}
    with open(f'{entry.path}/metafile.json') as file:
        meta = json.load(file)
    assert get_entry('tiny').meta == meta
    for name in ('weights.pth', 'tokenizer.json'):
        assert meta['files'][name]['sha256'] == sha256_of(
            f'{entry.path}/{name}')
    assert meta['seed'] == 0 and meta['name'] == 'tiny'


def test_backbones_and_tokenizer_load_by_zoo_name(tiny_entry):
    _, cfg, source = tiny_entry
    cfg = dict(cfg, loss_heads=[dict(type='SDMLoss', tau=0.02)])
    cfg['tokenizer'] = dict(type='WordLevelTokenizer',
                            vocab_file='zoo://tiny/tokenizer.json',
                            max_length=8)
    for tower in ('image_encoder', 'text_encoder'):
        cfg[tower] = dict(cfg[tower], pretrained='zoo://tiny')
    model = MODELS.build(cfg)
    for key, value in source.state_dict().items():
        if key.startswith(('image_encoder.', 'text_encoder.')):
            assert torch.equal(model.state_dict()[key], value), key
    # The fine-tuning head keeps its configured scale: the pretraining
    # loss's learnt temperature is not in the entry.
    assert float(model.loss_heads[0].temperature()) == pytest.approx(50.0)


def test_corrupt_file_names_the_entry_and_the_expected_sha256(tiny_entry):
    entry, _, _ = tiny_entry
    expected = entry.meta['files']['weights.pth']['sha256']
    with open(f'{entry.path}/weights.pth', 'ab') as file:
        file.write(b'x')
    with pytest.raises(ZooError, match=f"'tiny'.*corrupt.*{expected}"):
        load_tower_state('zoo://tiny', 'image_encoder')


def test_missing_file_names_the_entry_and_the_expected_sha256(tiny_entry):
    entry, _, _ = tiny_entry
    expected = entry.meta['files']['tokenizer.json']['sha256']
    os.remove(f'{entry.path}/tokenizer.json')
    with pytest.raises(ZooError, match=f"'tiny'.*missing.*{expected}"):
        resolve_zoo_file('zoo://tiny/tokenizer.json')


def test_unknown_entry_and_file_are_named(tiny_entry):
    with pytest.raises(ZooError, match="no model zoo entry 'tinny'.*'tiny'"):
        resolve_zoo_file('zoo://tinny')
    with pytest.raises(ZooError, match="no file 'vocab.json'"):
        resolve_zoo_file('zoo://tiny/vocab.json')


def test_a_tower_of_another_shape_is_refused_with_its_keys(tiny_entry):
    _, cfg, _ = tiny_entry
    image = dict(cfg['image_encoder'], pretrained='zoo://tiny')
    image['config'] = dict(image['config'], hidden_size=48)
    with pytest.raises(ZooError, match='does not fit this image_encoder.*'
                       'other shapes'):
        BACKBONES.build(image)


def test_interrupted_write_leaves_no_entry(tmp_path, plugin_zoo,
                                           monkeypatch):
    def fail(*args, **kwargs):
        raise OSError('disk full')
    monkeypatch.setattr(model_zoo, 'sha256_of', fail)
    with pytest.raises(OSError):
        write_entry(str(plugin_zoo), 'broken',
                    {'image_encoder.w': torch.ones(1)}, {}, {})
    assert 'broken' not in model_zoo.list_entries()


def test_init_model_from_the_shipped_entry():
    model = init_model('tinyclip-synthpedes')
    assert not model.training
    assert init_model('zoo://tinyclip-synthpedes').tokenizer.vocab_size == \
        model.tokenizer.vocab_size
    with pytest.raises(ValueError, match='no checkpoint'):
        init_model('tinyclip-synthpedes', checkpoint='x.pth')
    with pytest.raises(FileNotFoundError, match='tinyclip-synthpedes'):
        init_model('no-such-model')


def test_shipped_entry_files_match_their_metafile():
    entry = get_entry('tinyclip-synthpedes')
    for name in entry.meta['files']:
        entry.file(name)
    assert entry.meta['command'].startswith('python tools/pretrain_synthpedes')
    assert {'seed', 'corpus', 'towers', 'zero_shot'} <= entry.meta.keys()
    assert sum(f['bytes'] for f in entry.meta['files'].values()) < 20e6


def test_load_from_a_zoo_name_loads_the_towers_only(tiny_entry):
    from mmengine.runner import load_checkpoint
    _, cfg, source = tiny_entry
    model = MODELS.build(
        dict(cfg, loss_heads=[dict(type='SDMLoss', tau=0.02)]))
    load_checkpoint(model, 'zoo://tiny', strict=False)
    image = model.image_encoder.state_dict()
    for key, value in source.image_encoder.state_dict().items():
        assert torch.equal(image[key], value)
    assert float(model.loss_heads[0].temperature()) == pytest.approx(50.0)


def test_cli_lists_the_zoo_with_plugin_entries(tiny_entry, capsys):
    from amnsfw.cli import main
    assert main(['zoo']) == 0
    out = capsys.readouterr().out
    assert 'tinyclip-synthpedes' in out and 'tiny ' in out
