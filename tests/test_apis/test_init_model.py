"""amnsfw.apis.init_model: the one model loader of tools and APIs."""
import pytest
import torch
from mmengine.config import Config

from amnsfw.apis import init_model
from amnsfw.registry import MODELS
from amnsfw.testing import tiny_retriever_config


def test_a_config_model_gets_the_checkpoints_weights_in_eval_mode(
        tmp_path):
    cfg = Config(dict(model=tiny_retriever_config(tmp_path)))
    torch.manual_seed(0)
    trained = MODELS.build(cfg.model)
    torch.save({'state_dict': trained.state_dict()}, tmp_path / 'w.pth')
    torch.manual_seed(1)
    model = init_model(cfg, str(tmp_path / 'w.pth'))
    assert not model.training
    for name, value in trained.state_dict().items():
        assert torch.equal(model.state_dict()[name], value), name


def test_a_missing_checkpoint_is_named_before_the_model_is_built(
        tmp_path, monkeypatch):
    monkeypatch.setattr(MODELS, 'build', lambda cfg: pytest.fail('built'))
    with pytest.raises(FileNotFoundError,
                       match='checkpoint file not found: .*absent.pth'):
        init_model(Config(dict(model=tiny_retriever_config(tmp_path))),
                   str(tmp_path / 'absent.pth'))
