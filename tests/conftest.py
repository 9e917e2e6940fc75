"""Shared fixtures."""
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / 'fixtures'


@pytest.fixture
def fixtures_dir() -> Path:
    """Folder of the test fixtures (plugin modules and packages)."""
    return FIXTURES


@pytest.fixture(scope='session')
def tiny_synthpedes(tmp_path_factory) -> Path:
    """A SynthPEDES folder with 8 train ids x 2 images x 2 captions = 32
    pairs (and 2 val, 2 test ids), generated once per test session."""
    from amnsfw.datasets.synthpedes import generate_synthpedes
    root = tmp_path_factory.mktemp('tiny_synthpedes')
    generate_synthpedes(root, num_train_ids=8, num_val_ids=2, num_test_ids=2,
                        images_per_id=2)
    return root / 'SynthPEDES'
