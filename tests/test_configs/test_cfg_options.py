"""``--cfg-options`` reach the built components, or are refused."""
import pytest
from mmengine.registry import init_default_scope

from amnsfw.engine import load_experiment_config
from amnsfw.errors import ConfigError
from amnsfw.registry import MODELS
from .config_files import REPO

SDM = str(REPO / 'configs' / 'sdm' / 'sdm_tinyclip_30e_synthpedes.py')
AMNS = str(REPO / 'plugins' / 'amns' / 'configs' /
           'amns_tinyclip_30e_synthpedes.py')


@pytest.mark.parametrize('config, head', [(SDM, 0), (AMNS, 1)])
def test_loss_head_option_reaches_the_built_loss(config, head):
    init_default_scope('amnsfw')
    cfg = load_experiment_config(
        config, cfg_options={f'model.loss_heads.{head}.tau': 0.05})
    model = MODELS.build(cfg.model)
    scale = model.loss_heads[head].temperature().item()
    assert scale == pytest.approx(1 / 0.05)


@pytest.mark.parametrize('option, hint', [
    ('losses.0.tau', 'model.loss_heads'),
    ('tokenizer.max_length', 'model.tokenizer'),
    ('max_epochs', 'train_cfg.max_epochs'),
    ('data_root', None),
])
def test_an_option_nothing_reads_is_refused(option, hint):
    with pytest.raises(ConfigError, match=f'--cfg-options {option}') as error:
        load_experiment_config(SDM, cfg_options={option: 1})
    if hint:
        assert f'did you mean {hint}' in str(error.value)


def test_a_model_tokenizer_option_the_pipelines_miss_is_refused():
    with pytest.raises(ConfigError, match='another tokenizer than model'):
        load_experiment_config(
            SDM, cfg_options={'model.tokenizer.max_length': 16})
