"""Loss heads: each maps a batch's features to named, weighted loss terms."""
from .id_loss import IDLoss
from .itc_loss import ITCLoss
from .mlm_loss import MLMLoss
from .sdm_loss import SDMLoss
from .temperature import Temperature

__all__ = ['IDLoss', 'ITCLoss', 'MLMLoss', 'SDMLoss', 'Temperature']
