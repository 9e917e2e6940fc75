"""The search page: a FastAPI server over a model and a gallery
(``amnsfw serve``, docs/search_page.md)."""
from .app import create_app
from .background_server import background_server
from .gallery import (Gallery, SplitCaption, gallery_from_dir,
                      gallery_from_split)
from .load_searcher import load_searcher
from .search_service import NotFound, QueryError, SearchService

__all__ = [
    'create_app', 'background_server', 'Gallery', 'SplitCaption',
    'gallery_from_dir', 'gallery_from_split', 'load_searcher', 'NotFound',
    'QueryError', 'SearchService'
]
