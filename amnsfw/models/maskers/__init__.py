"""Maskers: which image tokens the encoder sees during training."""
from .identity_masker import IdentityMasker
from .random_token_masker import RandomTokenMasker

__all__ = ['IdentityMasker', 'RandomTokenMasker']
