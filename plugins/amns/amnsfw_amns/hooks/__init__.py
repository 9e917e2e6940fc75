"""AMNS's training hooks."""
from .ema_momentum_hook import EMAMomentumHook

__all__ = ['EMAMomentumHook']
