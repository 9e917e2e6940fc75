"""Maskers of the example plugin."""
from .center_bias_masker import CenterBiasMasker

__all__ = ['CenterBiasMasker']
