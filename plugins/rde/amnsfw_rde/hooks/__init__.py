"""RDE's training hooks."""
from .consensus_division_hook import ConsensusDivisionHook

__all__ = ['ConsensusDivisionHook']
