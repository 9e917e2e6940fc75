"""The image backbone is swapped by a config switch alone: tools/train.py
trains the tiny SynthPEDES recipe with mmpretrain's ViT."""
import json
import math
from pathlib import Path

import pytest
import torch

from amnsfw.datasets.synthpedes import generate_synthpedes
from .test_train_test import CONFIG, TINY, run_tool

SWITCH = """_base_ = [{base!r}]
model = dict(
    image_encoder=dict(
        _delete_=True,
        type='MMPretrainViTEncoder',
        image_size=(96, 32),
        arch=dict(embed_dims=64, num_layers=2, num_heads=4,
                  feedforward_channels=256),
        patch_size=16,
        embed_dim=96))
"""


@pytest.fixture
def workspace(tmp_path) -> Path:
    """``data/SynthPEDES`` (the path the config reads) and the switched
    config."""
    generate_synthpedes(tmp_path / 'data', num_train_ids=8, num_val_ids=3,
                        num_test_ids=3, images_per_id=2)
    (tmp_path / 'itc_mmvit.py').write_text(SWITCH.format(base=str(CONFIG)))
    return tmp_path


def test_tiny_recipe_trains_two_iterations_with_mmpretrain_vit(workspace):
    work_dir = workspace / 'work'
    result = run_tool('train.py', str(workspace / 'itc_mmvit.py'),
                      '--work-dir', str(work_dir), '--cfg-options', *TINY,
                      cwd=workspace)
    assert result.returncode == 0, result.stderr[-3000:]
    assert 'Epoch(train) [1][2/2]' in result.stderr + result.stdout
    logs = [json.loads(line) for line in
            next(work_dir.glob('*/vis_data/scalars.json')).read_text()
            .splitlines()]
    losses = [entry['loss'] for entry in logs if 'loss' in entry]
    assert losses and all(math.isfinite(loss) for loss in losses)
    assert any(entry.get('step') == 2 and 'loss' in entry for entry in logs)
    # The trained model is mmpretrain's two-layer ViT, not the CLIP tower.
    checkpoint = torch.load(work_dir / 'epoch_1.pth', map_location='cpu',
                            weights_only=False)
    keys = checkpoint['state_dict'].keys()
    assert 'image_encoder.vit.layers.1.attn.qkv.weight' in keys
    assert not any(key.startswith('image_encoder.vit.layers.2')
                   for key in keys)
    assert not any(key.startswith('image_encoder.encoder') for key in keys)
    assert checkpoint['meta']['iter'] == 2
