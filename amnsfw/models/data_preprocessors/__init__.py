"""Batch-level input preparation on the model's device."""
from .person_search_data_preprocessor import PersonSearchDataPreprocessor

__all__ = ['PersonSearchDataPreprocessor']
