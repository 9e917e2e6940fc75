"""Loss heads of the example plugin."""
from .cosine_margin_loss import CosineMarginLoss

__all__ = ['CosineMarginLoss']
