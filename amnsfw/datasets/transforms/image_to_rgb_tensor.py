"""Hand an item's image on as a ``uint8`` CHW tensor."""
from typing import Dict

import numpy as np
import torch
from mmcv.transforms import BaseTransform

from amnsfw.registry import TRANSFORMS


@TRANSFORMS.register_module()
class ImageToRGBTensor(BaseTransform):
    """Replace ``img`` (HWC ``uint8`` array, BGR as mmcv loads it) by an RGB
    CHW ``uint8`` tensor; the data preprocessor normalises whole batches."""

    def transform(self, results: Dict) -> Dict:
        image = np.ascontiguousarray(
            results['img'][..., ::-1].transpose(2, 0, 1))
        results['img'] = torch.from_numpy(image)
        return results
