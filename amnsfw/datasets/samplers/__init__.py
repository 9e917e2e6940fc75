"""Samplers of training items."""
from .identity_balanced_sampler import IdentityBalancedSampler

__all__ = ['IdentityBalancedSampler']
