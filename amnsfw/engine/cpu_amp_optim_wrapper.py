"""Mixed precision on CPUs, where MMEngine's AmpOptimWrapper refuses to run."""
from contextlib import contextmanager

import torch
from mmengine.optim import OptimWrapper
from mmengine.registry import OPTIM_WRAPPERS
from torch import nn


@OPTIM_WRAPPERS.register_module()
class CPUAmpOptimWrapper(OptimWrapper):
    """bfloat16 autocast on the CPU, fp32 weights and optimiser state.

    MMEngine's ``AmpOptimWrapper`` asserts that an accelerator is present
    (it is the GPU path, with a gradient scaler for fp16). On CPUs only
    bfloat16 autocast is worth having (no scaler: bf16 keeps fp32's
    exponent range), which is all this wrapper adds to ``OptimWrapper``.

    Args:
        dtype (str): Autocast dtype; only ``'bfloat16'`` is supported.
            Defaults to ``'bfloat16'``.
        **kwargs: ``OptimWrapper`` arguments.
    """

    def __init__(self, dtype: str = 'bfloat16', **kwargs) -> None:
        if dtype not in ('bfloat16', torch.bfloat16):
            raise ValueError(f"CPU mixed precision supports only 'bfloat16', "
                             f'got {dtype!r}')
        super().__init__(**kwargs)
        self.cast_dtype = torch.bfloat16

    @contextmanager
    def optim_context(self, model: nn.Module):
        with super().optim_context(model), torch.autocast(
                device_type='cpu', dtype=self.cast_dtype):
            yield
