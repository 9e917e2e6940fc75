"""A runner around a two-weight regression model: real MMEngine training
with amnsfw's default hooks, in well under a second per epoch."""
import uuid
from pathlib import Path
from typing import Optional

import torch
from mmengine.model import BaseModel
from mmengine.runner import Runner
from torch import nn

#: Samples of the toy data set; batches of 4 make two iterations an epoch.
NUM_SAMPLES = 8
BATCH_SIZE = 4


class ToyModel(BaseModel):
    """``y = w x + b``, trained with a squared error; from its
    ``break_at``-th loss on, the loss (``'loss'``) or the gradient of the
    bias (``'grad'``) is NaN."""

    def __init__(self, in_features: int = 2, extra: bool = False,
                 break_at: Optional[int] = None,
                 break_what: str = 'loss') -> None:
        super().__init__()
        with torch.random.fork_rng():  # the same weights every time
            torch.manual_seed(0)
            self.linear = nn.Linear(in_features, 1)
            if extra:
                self.extra = nn.Linear(1, 1)
        self.break_at, self.break_what = break_at, break_what
        self.losses = 0

    def forward(self, inputs, data_samples=None, mode='tensor'):
        out = self.linear(inputs[:, :self.linear.in_features])
        if mode != 'loss':
            return out
        self.losses += 1
        loss = (out.squeeze(1) - data_samples['target']).pow(2).mean()
        if self.break_at is not None and self.losses >= self.break_at:
            if self.break_what == 'loss':
                loss = loss * float('nan')
            else:  # sqrt at 0: value 0, gradient NaN
                loss = loss + torch.sqrt(self.linear.bias * 0).sum()
        return dict(loss=loss)


def toy_dataset():
    generator = torch.Generator().manual_seed(0)
    return [dict(inputs=torch.randn(3, generator=generator),
                 data_samples=dict(target=torch.randn((), generator=generator),
                                   index=i)) for i in range(NUM_SAMPLES)]


def toy_runner(work_dir: Path, model: Optional[ToyModel] = None,
               max_epochs: int = 1, resume: bool = False) -> Runner:
    """A runner training ``model`` (default: a fresh :class:`ToyModel`) in
    ``work_dir`` with the checkpoint, lock, divergence and checkpoint-match
    hooks of ``configs/_base_/default_runtime.py``."""
    return Runner(
        model=model or ToyModel(),
        work_dir=str(work_dir),
        experiment_name=f'toy_{uuid.uuid4().hex}',
        train_dataloader=dict(
            dataset=toy_dataset(),
            sampler=dict(type='DefaultSampler', shuffle=False),
            batch_size=BATCH_SIZE, num_workers=0,
            collate_fn=dict(type='default_collate')),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.01)),
        train_cfg=dict(by_epoch=True, max_epochs=max_epochs),
        default_hooks=dict(
            checkpoint=dict(type='AtomicCheckpointHook', interval=1,
                            max_keep_ckpts=1),
            run_lock=dict(type='RunLockHook'),
            divergence=dict(type='DivergenceHook'),
            checkpoint_match=dict(type='CheckpointMatchHook')),
        default_scope='amnsfw',
        resume=resume,
        cfg=dict(resume=resume),
        randomness=dict(seed=0),
        log_level='WARNING')
