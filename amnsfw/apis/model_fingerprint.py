"""A short identity of a model's weights and image preprocessing."""
import hashlib
import json
from typing import Any, Sequence

import torch


def model_fingerprint(model: torch.nn.Module,
                      image_pipeline: Sequence[Any] = ()) -> str:
    """SHA-256 of everything that decides a gallery image's embedding.

    The hash covers every state-dict entry (name, dtype, shape and bytes)
    and the test image pipeline's config, so an index built by other
    weights, or with other preprocessing, is told apart.

    Args:
        model (torch.nn.Module): The model.
        image_pipeline (Sequence): The test image pipeline's transform
            configs. Defaults to none.

    Returns:
        str: 64 hex digits.
    """
    digest = hashlib.sha256()
    for name, value in sorted(model.state_dict().items()):
        value = value.detach().cpu().contiguous()
        digest.update(f'{name}|{value.dtype}|{tuple(value.shape)}|'.encode())
        digest.update(value.reshape(-1).view(torch.uint8).numpy().tobytes()
                      if value.numel() else b'')
    digest.update(json.dumps(list(image_pipeline), sort_keys=True,
                             default=str).encode())
    return digest.hexdigest()
