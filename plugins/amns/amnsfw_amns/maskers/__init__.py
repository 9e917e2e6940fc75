"""AMNS's maskers: which image tokens the online encoder sees in training."""
from .attention_weighted_masker import AttentionWeightedMasker

__all__ = ['AttentionWeightedMasker']
