"""Every consumer of a recipe's tokenizer reads the model's definition."""
import pytest
from mmengine.config import Config

from .config_files import REPO, config_files

#: Transforms that take the caption tokenizer.
TOKENIZING = ('TokenizeCaption', 'MaskCaptionTokens', 'AugmentCaptionTokens')


@pytest.mark.parametrize('name', config_files(leaves_only=True))
def test_text_pipelines_use_the_model_tokenizer(name):
    cfg = Config.fromfile(str(REPO / name))
    for loader in ('train', 'val', 'test'):
        pipeline = cfg[f'{loader}_dataloader'].dataset.text_pipeline
        assert pipeline[0].type == 'TokenizeCaption', (name, loader)
        for transform in pipeline:
            assert transform.type in TOKENIZING, (name, loader, transform)
            assert transform.tokenizer == cfg.model.tokenizer, (
                f'{name}: {loader} {transform.type} has another tokenizer '
                'than the model')


def test_a_tokenizer_change_in_the_model_base_reaches_every_pipeline(
        tmp_path):
    """The data base reads the model base's tokenizer: a model base with
    another vocabulary needs no other change."""
    base = REPO / 'configs' / '_base_'
    model = (base / 'models' / 'tiny_clip.py').read_text()
    model = model.replace('zoo://tinyclip-synthpedes/tokenizer.json',
                          'elsewhere/tokenizer.json')
    (tmp_path / 'models').mkdir()
    (tmp_path / 'datasets').mkdir()
    (tmp_path / 'models' / 'tiny_clip.py').write_text(model)
    (tmp_path / 'datasets' / 'synthpedes.py').write_text(
        (base / 'datasets' / 'synthpedes.py').read_text())
    cfg = Config.fromfile(str(tmp_path / 'datasets' / 'synthpedes.py'))
    for loader in ('train', 'val', 'test'):
        tokenizer = cfg[f'{loader}_dataloader'].dataset.text_pipeline[0]
        assert tokenizer.tokenizer.vocab_file == 'elsewhere/tokenizer.json'
