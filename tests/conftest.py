"""Shared fixtures."""
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / 'fixtures'


@pytest.fixture
def fixtures_dir() -> Path:
    """Folder of the test fixtures (plugin modules and packages)."""
    return FIXTURES
