"""Move a person-search batch to the device and normalise its images."""
from typing import Dict, Sequence

import torch
from mmengine.model import BaseDataPreprocessor

from amnsfw.registry import MODELS

#: OpenAI CLIP's image statistics, on the 0-255 scale.
CLIP_MEAN = (122.770938, 116.7460125, 104.09373615)
CLIP_STD = (68.5005327, 66.6321579, 70.32316305)


@MODELS.register_module()
class PersonSearchDataPreprocessor(BaseDataPreprocessor):
    """Cast ``uint8`` images to float and normalise them per channel.

    Normalising whole batches on the model's device is cheaper than doing it
    per image in the loader workers.

    Args:
        mean (Sequence[float]): Per-channel RGB mean, 0-255 scale. Defaults
            to CLIP's.
        std (Sequence[float]): Per-channel RGB std, 0-255 scale. Defaults
            to CLIP's.
    """

    def __init__(self, mean: Sequence[float] = CLIP_MEAN,
                 std: Sequence[float] = CLIP_STD) -> None:
        super().__init__()
        self.register_buffer('mean', torch.tensor(mean).view(1, -1, 1, 1),
                             persistent=False)
        self.register_buffer('std', torch.tensor(std).view(1, -1, 1, 1),
                             persistent=False)

    def forward(self, data: Dict, training: bool = False) -> Dict:
        data = self.cast_data(data)
        images = data['inputs'].get('images')
        if images is not None:
            data['inputs']['images'] = (images.float() - self.mean) / self.std
        return data
