"""Distributed data parallel on CPUs, which MMEngine 0.10 does not set up.

MMEngine's pytorch launcher calls ``torch.cuda.set_device`` and its runner
hands DDP ``device_ids=[LOCAL_RANK]``; both fail without CUDA. On a machine
without CUDA the tools therefore start the gloo process group themselves
(the runner then skips its own start) and wrap the model with
:class:`CPUDistributedDataParallel`.
"""
import torch
import torch.distributed as torch_dist
from mmengine.config import Config
from mmengine.model import MMDistributedDataParallel
from mmengine.registry import MODEL_WRAPPERS


@MODEL_WRAPPERS.register_module()
class CPUDistributedDataParallel(MMDistributedDataParallel):
    """MMEngine's DDP wrapper for a model on the CPU (no ``device_ids``)."""

    def __init__(self, module: torch.nn.Module, device_ids=None,
                 **kwargs) -> None:
        super().__init__(module=module, device_ids=None, **kwargs)


def setup_cpu_distributed(cfg: Config) -> None:
    """Start gloo and choose the CPU wrapper for a ``pytorch`` launch
    without CUDA; do nothing otherwise.

    Args:
        cfg (Config): The experiment config (its ``launcher`` set).
    """
    if cfg.get('launcher', 'none') != 'pytorch' or torch.cuda.is_available():
        return
    if not torch_dist.is_initialized():
        torch_dist.init_process_group(backend='gloo')
    cfg.model_wrapper_cfg = dict(
        type='CPUDistributedDataParallel', broadcast_buffers=False,
        find_unused_parameters=cfg.get('find_unused_parameters', False))
