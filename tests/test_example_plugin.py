"""The external example plugin (examples/amnsfw-example-plugin), installed
as tools/install.sh installs it: found by its entry point, and its config
trains with its components named, not imported."""
import math
from pathlib import Path

from mmengine.runner import Runner

from amnsfw.plugin_api import load_plugins
from tests.test_configs.test_tiny_recipes import two_iteration_config

EXAMPLE = (Path(__file__).resolve().parents[1] / 'examples' /
           'amnsfw-example-plugin')



def test_loaded_from_its_entry_point_with_its_api_version():
    plugin = load_plugins().plugins['example']
    assert plugin.error is None
    assert (plugin.distribution, plugin.api_version) == (
        'amnsfw-example-plugin', '1')
    assert plugin.components == {'loss': ['CosineMarginLoss'],
                                 'masker': ['CenterBiasMasker']}


def test_its_config_trains_two_iterations(tiny_synthpedes, tmp_path):
    config = EXAMPLE / 'configs' / 'example_tinyclip_30e_synthpedes.py'
    runner = Runner.from_cfg(
        two_iteration_config(str(config), tiny_synthpedes, tmp_path))
    runner.train()
    model = runner.model
    assert type(model.masker).__name__ == 'CenterBiasMasker'
    assert model.masker.grid == model.image_encoder.grid == (12, 4)
    assert [type(head).__name__ for head in model.loss_heads] == [
        'CosineMarginLoss']
    losses = runner.message_hub.get_scalar('train/loss').data[0]
    assert runner.iter == 2
    assert len(losses) == 2 and all(math.isfinite(value) for value in losses)
