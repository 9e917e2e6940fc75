"""Data sets, their transforms, samplers and collate function."""
from . import samplers, transforms  # noqa: F401
from .collate import collate_person_search
from .cuhk_pedes import CUHKPEDES
from .person_search_dataset import (AnnotationError, PersonRecord,
                                    PersonSearchDataset)

__all__ = ['CUHKPEDES', 'PersonSearchDataset', 'PersonRecord',
           'AnnotationError', 'collate_person_search']
