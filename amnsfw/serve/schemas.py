"""Requests and responses of the search server's JSON API (its OpenAPI
description is generated from these)."""
from typing import Annotated, List, Optional

from pydantic import BaseModel, Field, StringConstraints

#: Longest query accepted; the tokenizers keep at most 77 tokens anyway.
MAX_QUERY_CHARS = 1000
#: Most hits, or captions, one request may ask for.
MAX_K = 100

QueryText = Annotated[str, StringConstraints(
    strip_whitespace=True, min_length=1, max_length=MAX_QUERY_CHARS)]


class SearchRequest(BaseModel):
    """A description to rank the gallery by."""

    text: QueryText = Field(
        description='The description, 1 to 1000 characters after '
        'stripping surrounding white space.',
        examples=['a man in a grey coat with a black backpack'])
    k: int = Field(10, ge=1, le=MAX_K, description='Hits wanted.')
    caption_index: Optional[int] = Field(
        None, ge=0, description='With a split gallery: the split caption '
        'that `text` is; hits are then marked relevant or not and the '
        "query's R@1 and AP are returned.")


class SimilarCaptionsRequest(BaseModel):
    """A description to find the split's closest captions for."""

    text: QueryText
    n: int = Field(10, ge=1, le=MAX_K, description='Captions wanted.')


class Caption(BaseModel):
    """A caption of the split, which the split uses as a query."""

    index: int = Field(description="Index among the split's captions.")
    text: str
    pid: int = Field(description='Person id of the image it describes.')
    image_index: int = Field(description='Gallery index of that image.')


class HitResponse(BaseModel):
    """One ranked gallery image."""

    rank: int = Field(description='1-based.')
    index: int = Field(description='Gallery index.')
    score: float = Field(description='Similarity to the query.')
    name: str = Field(description='Path relative to the gallery folder.')
    image_url: str
    pid: Optional[int] = Field(None, description='Person id, where known.')
    relevant: Optional[bool] = Field(
        None, description="Shows the query's person; known for a split "
        'caption only.')


class Metrics(BaseModel):
    """A split caption's ranking quality over the whole gallery."""

    R1: float = Field(description='Recall at 1, percent (0 or 100).')
    AP: float = Field(description='Average precision, percent.')


class SearchResponse(BaseModel):
    """The ranked gallery for a query."""

    text: str
    hits: List[HitResponse]
    caption: Optional[Caption] = None
    metrics: Optional[Metrics] = None


class ScoredCaption(BaseModel):
    """A split caption and its similarity to the query."""

    caption: Caption
    score: float


class ImageInfo(BaseModel):
    """A gallery image and what the split says of it."""

    index: int
    name: str
    image_url: str
    pid: Optional[int] = None
    captions: List[Caption]


class ServerInfo(BaseModel):
    """What the server searches."""

    model: str
    gallery: str
    gallery_size: int
    num_captions: int = Field(description='0 for a folder gallery.')
    max_k: int = MAX_K
    max_query_chars: int = MAX_QUERY_CHARS
