"""Refuse to resume from a checkpoint of another model."""
import re
from typing import Dict, List

import torch
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from amnsfw.errors import CheckpointError
from amnsfw.registry import HOOKS

#: How many keys of each kind of mismatch the message names.
SHOW_KEYS = 5


def state_dict_mismatch(checkpoint: Dict[str, torch.Tensor],
                        model: Dict[str, torch.Tensor]) -> List[str]:
    """What differs between a checkpoint's weights and a model's.

    Args:
        checkpoint (dict[str, Tensor]): The checkpoint's ``state_dict``
            (a ``module.`` prefix is ignored, as MMEngine's loader does).
        model (dict[str, Tensor]): The model's ``state_dict()``.

    Returns:
        list[str]: One phrase per kind of mismatch (missing keys, keys the
        model lacks, shapes that differ), each naming the first keys in
        order; empty when they fit.
    """
    checkpoint = {re.sub(r'^module\.', '', k): v
                  for k, v in checkpoint.items()}

    def listed(keys: List[str]) -> str:
        more = f' and {len(keys) - SHOW_KEYS} more' if len(
            keys) > SHOW_KEYS else ''
        return ', '.join(keys[:SHOW_KEYS]) + more

    missing = [k for k in model if k not in checkpoint]
    unexpected = [k for k in checkpoint if k not in model]
    shapes = [
        f'{k} {tuple(checkpoint[k].shape)} vs {tuple(model[k].shape)}'
        for k in model if k in checkpoint
        and hasattr(checkpoint[k], 'shape')
        and tuple(checkpoint[k].shape) != tuple(model[k].shape)
    ]
    phrases = []
    if missing:
        phrases.append(f'the model has keys the checkpoint lacks: '
                       f'{listed(missing)}')
    if unexpected:
        phrases.append(f'the checkpoint has keys the model lacks: '
                       f'{listed(unexpected)}')
    if shapes:
        phrases.append(f'shapes differ (checkpoint vs model): '
                       f'{listed(shapes)}')
    return phrases


@HOOKS.register_module()
class CheckpointMatchHook(Hook):
    """Stop a resume whose checkpoint does not fit the config's model.

    MMEngine resumes non-strictly: a checkpoint of another model (another
    config, a changed backbone) loads with a logged warning and the run
    goes on with partly random weights, or fails later in the optimizer.
    When the run resumes (``resume=True``), this hook compares the
    checkpoint's weights with the model before they are loaded and raises
    :class:`~amnsfw.errors.CheckpointError` naming the first mismatching
    keys. ``load_from`` without resuming (fine-tuning from another model,
    ``zoo://`` entries) is not checked.
    """

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        """Compare the checkpoint about to be loaded with the model.

        Args:
            runner (Runner): The runner.
            checkpoint (dict): The loaded checkpoint.
        """
        if not runner.cfg.get('resume', False):
            return
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        phrases = state_dict_mismatch(
            checkpoint.get('state_dict', checkpoint), model.state_dict())
        if phrases:
            source = runner.cfg.get('load_from') or 'the latest checkpoint'
            raise CheckpointError(
                f'cannot resume from {source}: it does not fit the '
                f'config\'s model ({"; ".join(phrases)}); resume with the '
                'config that wrote it, or start afresh in a new --work-dir')
