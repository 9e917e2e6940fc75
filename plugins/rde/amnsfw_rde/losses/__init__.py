"""RDE's loss heads."""
from .triplet_alignment_loss import TALLoss

__all__ = ['TALLoss']
