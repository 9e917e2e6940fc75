"""Stop a diverging training before it writes a broken checkpoint."""
import logging
import math
from typing import Any, Dict, List, Optional

import torch
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from amnsfw.errors import InputError
from amnsfw.registry import HOOKS


class TrainingDivergedError(InputError, RuntimeError):
    """A loss term, gradient or weight became NaN or infinite, or mixed
    precision skipped too many steps."""


def batch_indices(data_batch: Any) -> List[int]:
    """The data set indices of a batch's samples (``*index`` entries of its
    ``data_samples``, as :func:`~amnsfw.datasets.collate_person_search`
    makes them), each once, in order."""
    samples = data_batch.get('data_samples') if isinstance(
        data_batch, dict) else None
    indices: List[int] = []
    if isinstance(samples, dict):
        for key, value in samples.items():
            if key.endswith('index') and isinstance(value, torch.Tensor):
                indices += [i for i in value.flatten().tolist()
                            if i not in indices]
    return indices


@HOOKS.register_module()
class DivergenceHook(Hook):
    """Stop training at the first non-finite loss, gradient or weight.

    After every ``interval``-th training iteration it checks each loss term
    of the iteration (MMEngine's ``outputs``) and, without a loss scaler,
    that the weights are still finite after the optimizer step (a NaN or
    infinite gradient makes them so). On failure it raises
    :class:`TrainingDivergedError` naming the iteration, the loss term or
    weight and the batch's sample indices. It runs before the checkpoint
    hook, so the last checkpoint written stays the newest.

    With a dynamic loss scaler (``AmpOptimWrapper``, fp16), a non-finite
    gradient only makes the scaler skip the step and lower its scale; the
    hook counts those skips (a drop of ``get_scale()``), logs the count as
    ``amp_skipped_steps`` and stops once more than ``max_skipped_fraction``
    of the iterations so far were skipped (checked from ``min_iters`` on,
    after the scaler's initial calibration). It only reads values, so a
    seeded run trains exactly as without it.

    Args:
        interval (int): Check every ``interval`` iterations. Defaults to 1.
        max_skipped_fraction (float): Largest tolerated fraction of steps
            skipped by the loss scaler. Defaults to 0.1.
        min_iters (int): Iterations before the fraction is checked.
            Defaults to 100.
    """

    priority = 'ABOVE_NORMAL'

    def __init__(self, interval: int = 1, max_skipped_fraction: float = 0.1,
                 min_iters: int = 100) -> None:
        if interval < 1 or not 0.0 <= max_skipped_fraction <= 1.0:
            raise ValueError(
                'DivergenceHook needs interval >= 1 and max_skipped_fraction '
                f'in [0, 1], got interval={interval}, max_skipped_fraction='
                f'{max_skipped_fraction}')
        self.interval = interval
        self.max_skipped_fraction = max_skipped_fraction
        self.min_iters = min_iters
        self.skipped_steps = 0
        self.seen_iters = 0
        self._last_scale: Optional[float] = None

    def after_train_iter(self, runner, batch_idx: int,
                         data_batch: Any = None,
                         outputs: Optional[Dict[str, Any]] = None) -> None:
        """Check the iteration that just ran.

        Args:
            runner (Runner): The runner of the training process.
            batch_idx (int): Index of the batch in the epoch.
            data_batch (Any): The batch. Defaults to None.
            outputs (dict, optional): The loss terms. Defaults to None.
        """
        self.seen_iters += 1
        scaler = getattr(runner.optim_wrapper, 'loss_scaler', None)
        if scaler is not None:
            self._count_skipped_step(runner, scaler, batch_idx, data_batch)
            return
        if self.every_n_train_iters(runner, self.interval):
            problem = (self._non_finite_loss(outputs or {})
                       or self._non_finite_weight(runner))
            if problem is not None:
                self._stop(runner, problem, batch_idx, data_batch)

    @staticmethod
    def _non_finite_loss(outputs: Dict[str, Any]) -> Optional[str]:
        for name, value in outputs.items():
            value = torch.as_tensor(value).detach()
            if value.is_floating_point() and not torch.isfinite(value).all():
                return f'loss term {name!r} is {value.float().sum().item()}'
        return None

    @staticmethod
    def _non_finite_weight(runner) -> Optional[str]:
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        params = [(n, p) for n, p in model.named_parameters()
                  if p.requires_grad]
        if not params:
            return None
        sums = torch.stack([p.detach().float().sum() for _, p in params])
        if torch.isfinite(sums).all():
            return None
        name = next(n for (n, _), s in zip(params, sums)
                    if not math.isfinite(s.item()))
        return (f'weight {name!r} became non-finite in the optimizer step '
                '(a NaN or infinite gradient)')

    def _count_skipped_step(self, runner, scaler, batch_idx: int,
                            data_batch: Any) -> None:
        scale = float(scaler.get_scale())
        if self._last_scale is not None and scale < self._last_scale:
            self.skipped_steps += 1
            runner.logger.warning(
                f'mixed precision skipped the step of iteration '
                f'{runner.iter + 1} (non-finite gradient; loss scale '
                f'{self._last_scale:g} -> {scale:g}); '
                f'{self.skipped_steps} of {self.seen_iters} skipped so far')
        self._last_scale = scale
        runner.message_hub.update_scalar('train/amp_skipped_steps',
                                         self.skipped_steps)
        fraction = self.skipped_steps / self.seen_iters
        if (self.seen_iters >= self.min_iters
                and fraction > self.max_skipped_fraction):
            self._stop(
                runner,
                f'mixed precision skipped {self.skipped_steps} of '
                f'{self.seen_iters} steps ({fraction:.0%}, more than '
                f'max_skipped_fraction={self.max_skipped_fraction})',
                batch_idx, data_batch)

    def _stop(self, runner, problem: str, batch_idx: int,
              data_batch: Any) -> None:
        last = runner.message_hub.get_info('last_ckpt')
        message = (
            f'training diverged at iteration {runner.iter + 1} (epoch '
            f'{runner.epoch + 1}, batch {batch_idx + 1}): {problem}; '
            f'batch sample indices: {batch_indices(data_batch) or "unknown"}'
            f'. Newest checkpoint (written before): {last or "none yet"}. '
            'Lower the learning rate, add gradient clipping '
            '(optim_wrapper.clip_grad) or check those samples')
        runner.logger.log(logging.ERROR, message)
        raise TrainingDivergedError(message)
