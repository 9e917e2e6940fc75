"""AMNS's loss heads (registered by :mod:`amnsfw_amns.plugin`)."""
from .bidirectional_sdm_loss import BSDMLoss
from .weighted_focal_loss import WAFLoss

__all__ = ['BSDMLoss', 'WAFLoss']
