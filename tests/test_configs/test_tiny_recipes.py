"""Every tiny SynthPEDES recipe config trains two iterations as written."""
import math
from pathlib import Path

import pytest
from mmengine.config import Config
from mmengine.runner import Runner

from .config_files import REPO, config_files

#: The fine-tuning recipes, amnsfw's and the plugins' (the pretraining
#: recipe is tested with its tool).
TINY_CONFIGS = [
    name for name in config_files(leaves_only=True)
    if 'tinyclip' in name and 'synthpedes' in name and 'pretrain' not in name
]


def two_iteration_config(name: str, data_root: Path, work_dir: Path) -> Config:
    """The config with its data on ``data_root``, 2 iterations of 16 pairs,
    no validation or checkpoints, and the ID classifier sized to the data."""
    cfg = Config.fromfile(str(REPO / name))
    train = cfg.train_dataloader
    train.update(batch_size=16, num_workers=0, persistent_workers=False)
    train.dataset.data_root = str(data_root)
    if 'num_classes' in cfg.model:
        cfg.model.num_classes = 8
    cfg.train_cfg = dict(type='IterBasedTrainLoop', max_iters=2,
                         val_interval=100)
    for key in ('val_dataloader', 'val_cfg', 'val_evaluator',
                'test_dataloader', 'test_cfg', 'test_evaluator'):
        cfg[key] = None
    cfg.default_hooks.checkpoint = None
    cfg.param_scheduler = None
    cfg.work_dir = str(work_dir)
    cfg.experiment_name = name.replace('/', '_')
    return cfg


def test_tiny_recipes_are_found():
    assert 'configs/irra/irra_tinyclip_30e_synthpedes.py' in TINY_CONFIGS
    assert 'plugins/amns/configs/amns_tinyclip_30e_synthpedes.py' in \
        TINY_CONFIGS


ZOO_MODEL = 'zoo://tinyclip-synthpedes'


@pytest.mark.parametrize('name', TINY_CONFIGS)
def test_tiny_recipe_starts_from_the_model_zoo(name):
    cfg = Config.fromfile(str(REPO / name))
    assert cfg.model.image_encoder.pretrained == ZOO_MODEL
    assert cfg.model.text_encoder.pretrained == ZOO_MODEL
    vocabulary = ZOO_MODEL + '/tokenizer.json'
    assert cfg.model.tokenizer.vocab_file == vocabulary
    for loader in ('train', 'val', 'test'):
        for transform in cfg[f'{loader}_dataloader'].dataset.text_pipeline:
            assert transform.tokenizer.vocab_file == vocabulary


def test_amns_ema_encoder_starts_from_the_zoo_weights():
    from mmengine.registry import init_default_scope

    from amnsfw.model_zoo import load_tower_state
    from amnsfw.registry import MODELS
    init_default_scope('amnsfw')
    cfg = Config.fromfile(
        str(REPO / 'plugins/amns/configs/amns_tinyclip_30e_synthpedes.py'))
    model = MODELS.build(cfg.model)
    zoo = load_tower_state(ZOO_MODEL, 'image_encoder')
    for encoder in (model.image_encoder, model.masker.ema_encoder):
        state = encoder.state_dict()
        assert all(state[key].equal(value) for key, value in zoo.items())


@pytest.mark.parametrize('name', TINY_CONFIGS)
def test_tiny_recipe_trains_two_iterations(name, tiny_synthpedes, tmp_path):
    runner = Runner.from_cfg(
        two_iteration_config(name, tiny_synthpedes, tmp_path))
    runner.train()
    assert runner.iter == 2 and runner.train_loop.max_iters == 2
    losses = runner.message_hub.get_scalar('train/loss').data[0]
    assert len(losses) == 2 and all(math.isfinite(value) for value in losses)
