"""Maskers: which image tokens the encoder sees during training."""
from .identity_masker import IdentityMasker

__all__ = ['IdentityMasker']
