"""Data sets, their transforms, samplers and collate function."""
from . import samplers, transforms  # noqa: F401
from .collate import collate_person_search
from .cuhk_pedes import CUHKPEDES
from .icfg_pedes import ICFGPEDES
from .person_search_dataset import (AnnotationError, PersonRecord,
                                    PersonSearchDataset)
from .rstpreid import RSTPReid
from .synthpedes.pretrain_corpus import SynthPEDESPretrain

__all__ = [
    'CUHKPEDES', 'ICFGPEDES', 'RSTPReid', 'PersonSearchDataset',
    'PersonRecord', 'AnnotationError', 'collate_person_search',
    'SynthPEDESPretrain'
]
