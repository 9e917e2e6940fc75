"""The search server: a FastAPI app with the search page and its JSON API."""
import os.path as osp
from typing import List

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles

from amnsfw.version import __version__
from .gallery import SplitCaption
from .schemas import (Caption, HitResponse, ImageInfo, Metrics,
                      ScoredCaption, SearchRequest, SearchResponse,
                      ServerInfo, SimilarCaptionsRequest)
from .search_service import NotFound, QueryError, SearchService

#: The page: index.html and the files it loads.
STATIC_DIR = osp.join(osp.dirname(osp.abspath(__file__)), 'static')


def image_url(index: int) -> str:
    """URL of gallery image ``index``."""
    return f'/images/{index}'


def printable(value: object) -> str:
    """``value`` as text that UTF-8 can encode (a lone surrogate that JSON
    let in becomes ``\\ud800``)."""
    return str(value).encode('utf-8', 'backslashreplace').decode('utf-8')


def validation_details(error: RequestValidationError) -> List[dict]:
    """FastAPI's 422 details without the offending input: it may be
    10,000 characters long or not encodable."""
    return [dict(loc=[printable(part) for part in detail['loc']],
                 msg=printable(detail['msg']), type=detail['type'])
            for detail in error.errors()]


def caption_model(caption: SplitCaption) -> Caption:
    """A split caption as the API returns it."""
    return Caption(index=caption.index, text=caption.text, pid=caption.pid,
                   image_index=caption.image_index)


def create_app(service: SearchService) -> FastAPI:
    """The app serving ``service``: the page at ``/``, the API beside it
    (``/search``, ``/captions/similar``, ``/images/{index}``,
    ``/images/{index}/info``, ``/info``) and its OpenAPI description at
    ``/openapi.json`` (browsable at ``/docs``).

    Errors are JSON ``{"detail": ...}``: 422 for a query the model cannot
    answer or a malformed request, 404 for what the gallery does not hold
    (any path but an indexed image's number included).
    """
    app = FastAPI(
        title='amnsfw search',
        version=__version__,
        description='Text-to-image person search: rank a gallery of person '
        'images by a description.')

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request,
                              error: RequestValidationError):
        return JSONResponse(status_code=422,
                            content=dict(detail=validation_details(error)))

    @app.exception_handler(QueryError)
    async def query_error(request: Request, error: QueryError):
        return JSONResponse(status_code=422, content=dict(detail=str(error)))

    @app.exception_handler(NotFound)
    async def not_found(request: Request, error: NotFound):
        return JSONResponse(status_code=404, content=dict(detail=str(error)))

    @app.get('/', include_in_schema=False)
    def page() -> FileResponse:
        return FileResponse(osp.join(STATIC_DIR, 'index.html'))

    app.mount('/static', StaticFiles(directory=STATIC_DIR), name='static')

    @app.get('/info', response_model=ServerInfo)
    def info() -> ServerInfo:
        """The model and the gallery being searched."""
        return ServerInfo(model=service.model_description,
                          gallery=service.gallery.description,
                          gallery_size=len(service.gallery),
                          num_captions=len(service.gallery.captions))

    @app.post('/search', response_model=SearchResponse,
              responses={422: dict(description='An empty or too long '
                                   'query, k out of range, or no word '
                                   "of the query in the model's "
                                   'vocabulary'),
                         404: dict(description='No such caption_index')})
    def search(request: SearchRequest) -> SearchResponse:
        """Rank the gallery by a description: the top k images, scores
        and image URLs, best first."""
        result = service.search(request.text, request.k,
                                request.caption_index)
        gallery = service.gallery
        return SearchResponse(
            text=result.text,
            hits=[HitResponse(rank=hit.rank, index=hit.index,
                              score=hit.score, name=gallery.name(hit.index),
                              image_url=image_url(hit.index), pid=hit.pid,
                              relevant=hit.relevant)
                  for hit in result.hits],
            caption=None if result.caption is None else caption_model(
                result.caption),
            metrics=None if result.metrics is None else Metrics(
                **result.metrics))

    @app.post('/captions/similar', response_model=List[ScoredCaption],
              responses={404: dict(description='A folder gallery has no '
                                   'captions')})
    def similar_captions(
            request: SimilarCaptionsRequest) -> List[ScoredCaption]:
        """The split's captions closest to a description, best first."""
        return [ScoredCaption(caption=caption_model(caption), score=score)
                for caption, score in service.similar_captions(
                    request.text, request.n)]

    @app.get('/images/{index}', response_class=FileResponse,
             responses={404: dict(description='Not an indexed image')})
    def image(index: str) -> FileResponse:
        """The file of gallery image ``index``."""
        return FileResponse(service.image_path(index))

    @app.get('/images/{index}/info', response_model=ImageInfo,
             responses={404: dict(description='Not an indexed image')})
    def image_info(index: str) -> ImageInfo:
        """A gallery image's name, person id and captions."""
        number = service.image_index(index)
        gallery = service.gallery
        return ImageInfo(
            index=number, name=gallery.name(number),
            image_url=image_url(number),
            pid=None if gallery.pids is None else gallery.pids[number],
            captions=[caption_model(c) for c in gallery.captions_of(number)])

    return app
