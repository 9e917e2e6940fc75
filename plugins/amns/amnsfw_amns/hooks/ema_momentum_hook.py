"""Steps the EMA encoder of AMNS's masker on a cosine momentum schedule."""
import math
from typing import List, Optional, Tuple

from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from torch import nn


class EMAMomentumHook(Hook):
    r"""Update every masker's EMA encoder after each training iteration.

    After iteration :math:`k` (1-based: ``runner.iter + 1``) of
    :math:`K` = ``runner.max_iters``, each module of the model with an
    ``update_ema`` method (``AttentionWeightedMasker``) takes one EMA step
    towards the model's ``image_encoder`` with momentum

    .. math::
        m_k = m_{end} - (m_{end} - m_{start})
              \frac{\cos(\pi k / K) + 1}{2}

    rising from ``start`` at :math:`k = 0` to ``end`` at :math:`k = K`
    (A-CLIP's schedule). Before training from iteration 0 the EMA is reset
    to the online weights, so it starts from whatever ``load_from`` loaded;
    on resume it continues from the checkpoint's EMA weights (part of the
    model's state dict).

    Under DDP every rank holds the same online weights after the optimiser
    step and applies the same update, so the EMA stays identical on every
    rank without communication. The update runs every iteration, also those
    where gradient accumulation skips the optimiser step.

    MMEngine's ``EMAHook`` averages the whole model for evaluation; this
    one averages the image encoder that the masker uses inside training.

    Args:
        start (float): Momentum at the first iteration. Defaults to 0.996.
        end (float): Momentum at the last iteration. Defaults to 1.0.
    """

    priority = 'NORMAL'

    def __init__(self, start: float = 0.996, end: float = 1.0) -> None:
        if not 0 <= start <= end <= 1:
            raise ValueError(f'momentum must rise within [0, 1]: need '
                             f'0 <= start <= end <= 1, got start={start}, '
                             f'end={end}')
        self.start = start
        self.end = end

    def momentum(self, iteration: int, max_iters: int) -> float:
        """:math:`m_k` after ``iteration`` of ``max_iters`` iterations."""
        progress = min(iteration / max(max_iters, 1), 1.0)
        return self.end - (self.end - self.start) * (
            math.cos(math.pi * progress) + 1) / 2

    def before_train(self, runner) -> None:
        online, maskers = self._ema_parts(runner)
        if runner.iter == 0:
            for masker in maskers:
                masker.reset_ema(online)

    def after_train_iter(self,
                         runner,
                         batch_idx: int,
                         data_batch: Optional[dict] = None,
                         outputs: Optional[dict] = None) -> None:
        online, maskers = self._ema_parts(runner)
        momentum = self.momentum(runner.iter + 1, runner.max_iters)
        for masker in maskers:
            masker.update_ema(online, momentum)

    @staticmethod
    def _ema_parts(runner) -> Tuple[nn.Module, List[nn.Module]]:
        """The model's online ``image_encoder`` and its modules with
        ``update_ema``."""
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        maskers = [module for module in model.modules()
                   if callable(getattr(module, 'update_ema', None))]
        if not maskers:
            raise ValueError(
                f'EMAMomentumHook found no module with update_ema in '
                f'{type(model).__name__}: use a masker with an EMA encoder '
                '(AttentionWeightedMasker) or drop the hook')
        online = getattr(model, 'image_encoder', None)
        if not isinstance(online, nn.Module):
            raise ValueError(f'EMAMomentumHook needs the model\'s '
                             f'image_encoder; {type(model).__name__} has '
                             f'{online!r}')
        return online, maskers
