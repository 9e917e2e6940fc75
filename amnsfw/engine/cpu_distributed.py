"""Distributed data parallel on CPUs, which MMEngine 0.10 does not set up.

MMEngine's pytorch and slurm launchers call ``torch.cuda.set_device`` and
its runner hands DDP ``device_ids=[LOCAL_RANK]``; both fail without CUDA. On
a machine without CUDA the tools therefore start the gloo process group
themselves (the runner then skips its own start; under SLURM after exporting
the ``RANK`` / ``WORLD_SIZE`` / ``MASTER_*`` variables MMEngine derives from
``SLURM_*``) and wrap the model with :class:`CPUDistributedDataParallel`.
"""
import os
import subprocess

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


def export_slurm_environment() -> None:
    """Export torch's ``env://`` variables from SLURM's, as MMEngine's slurm
    launcher does: ``RANK`` = ``SLURM_PROCID``, ``WORLD_SIZE`` =
    ``SLURM_NTASKS``, ``LOCAL_RANK`` = ``SLURM_LOCALID``, ``MASTER_ADDR`` =
    the first host of ``SLURM_NODELIST`` (unless set), ``MASTER_PORT`` =
    29500 (unless set)."""
    missing = [
        name for name in ('SLURM_PROCID', 'SLURM_NTASKS', 'SLURM_NODELIST')
        if name not in os.environ
    ]
    if missing:
        raise RuntimeError(f'--launcher slurm needs {missing} in the '
                           'environment; start the tool with srun')
    os.environ['RANK'] = os.environ['SLURM_PROCID']
    os.environ['WORLD_SIZE'] = os.environ['SLURM_NTASKS']
    os.environ['LOCAL_RANK'] = os.environ.get('SLURM_LOCALID', '0')
    os.environ.setdefault('MASTER_PORT', '29500')
    if 'MASTER_ADDR' not in os.environ:
        hosts = subprocess.run(
            ['scontrol', 'show', 'hostnames', os.environ['SLURM_NODELIST']],
            capture_output=True, text=True, check=True).stdout.split()
        os.environ['MASTER_ADDR'] = hosts[0]


def setup_cpu_distributed(cfg: Config) -> None:
    """Start gloo and choose the CPU wrapper for a ``pytorch`` or ``slurm``
    launch without CUDA; do nothing otherwise.

    Args:
        cfg (Config): The experiment config (its ``launcher`` set).
    """
    launcher = cfg.get('launcher', 'none')
    if launcher not in ('pytorch', 'slurm') or torch.cuda.is_available():
        return
    if launcher == 'slurm':
        export_slurm_environment()
    if not torch_dist.is_initialized():
        torch_dist.init_process_group(backend='gloo')
    cfg.model_wrapper_cfg = dict(
        type='CPUDistributedDataParallel', broadcast_buffers=False,
        find_unused_parameters=cfg.get('find_unused_parameters', False))
