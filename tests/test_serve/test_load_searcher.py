"""Which model arguments load a searcher, and which are refused."""
from pathlib import Path

import pytest

from amnsfw.serve import load_searcher
from amnsfw.serve.load_searcher import zoo_config, zoo_name

CONFIG = str(Path(__file__).resolve().parents[2] / 'configs' / 'itc' /
             'itc_tinyclip_8e_synthpedes.py')


def test_zoo_names_are_recognised():
    assert zoo_name('tinyclip-synthpedes') == 'tinyclip-synthpedes'
    assert zoo_name('zoo://tinyclip-synthpedes') == 'tinyclip-synthpedes'
    assert zoo_name('no-such-entry') is None


def test_a_zoo_config_resizes_to_the_entrys_input():
    pipeline = zoo_config('tinyclip-synthpedes').test_dataloader.dataset[
        'image_pipeline']
    assert pipeline[1]['scale'] == (32, 96)  # (width, height)


@pytest.mark.parametrize('model, checkpoint, error, message', [
    ('tinyclip-synthpedes', 'x.pth', ValueError, 'give no CHECKPOINT'),
    (CONFIG, None, ValueError, 'give its CHECKPOINT'),
    ('no-such-entry', None, FileNotFoundError, 'neither a config'),
])
def test_wrong_model_arguments_are_refused(model, checkpoint, error,
                                           message):
    with pytest.raises(error, match=message):
        load_searcher(model, checkpoint)
