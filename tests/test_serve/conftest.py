"""A search server over the zoo's tiny CLIP and a tiny SynthPEDES split,
built once per session: 3 test persons x 2 images, 12 captions."""
from pathlib import Path
from typing import Iterator

import pytest

from amnsfw.datasets.synthpedes import generate_synthpedes
from amnsfw.serve import (SearchService, background_server, create_app,
                          gallery_from_split, load_searcher)

MODEL = 'tinyclip-synthpedes'


@pytest.fixture(scope='session')
def serve_data(tmp_path_factory) -> Path:
    """The tiny SynthPEDES folder."""
    root = tmp_path_factory.mktemp('serve')
    generate_synthpedes(root, num_train_ids=2, num_val_ids=2,
                        num_test_ids=3, images_per_id=2)
    return root / 'SynthPEDES'


@pytest.fixture(scope='session')
def service(serve_data) -> SearchService:
    """The zoo model with the tiny test split indexed."""
    searcher, description = load_searcher(MODEL)
    gallery = gallery_from_split(searcher.cfg, 'test', str(serve_data))
    return SearchService(searcher, gallery, description, progress=False)


@pytest.fixture(scope='session')
def server_url(service) -> Iterator[str]:
    """Base URL of the app serving :func:`service` on loopback."""
    with background_server(create_app(service)) as url:
        yield url
