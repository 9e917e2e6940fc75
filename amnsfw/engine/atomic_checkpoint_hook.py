"""MMEngine's checkpoint hook, made safe to kill at any instant."""
import os.path as osp
from typing import List, Optional

from mmengine.dist import is_main_process
from mmengine.hooks import CheckpointHook

from amnsfw.engine.atomic_local_backend import (atomic_write,
                                                remove_stale_temp_files)
from amnsfw.registry import HOOKS


class _DeferredRemovals:
    """A file backend whose ``remove`` / ``rmtree`` only record the path;
    everything else goes to the wrapped backend."""

    def __init__(self, backend) -> None:
        self._backend = backend
        self.paths: List[str] = []

    def remove(self, path: str) -> None:
        self.paths.append(path)

    def rmtree(self, path: str) -> None:
        self.paths.append(path)

    def __getattr__(self, name: str):
        return getattr(self._backend, name)


@HOOKS.register_module()
class AtomicCheckpointHook(CheckpointHook):
    """:class:`~mmengine.hooks.CheckpointHook` that a SIGKILL at any instant
    leaves resumable.

    MMEngine's hook deletes the checkpoints that ``max_keep_ckpts`` (and a
    new best score) make outdated *before* writing the new one, and writes
    the ``last_checkpoint`` pointer with a plain ``open(..., 'w')``: killed
    in between, a run has lost its previous checkpoint, or points
    ``--resume`` at a missing or empty path. This hook

    1. writes the new checkpoint first (atomically: every local write goes
       through :class:`AtomicLocalBackend`, see its module),
    2. then replaces ``last_checkpoint`` atomically,
    3. and only then deletes the outdated checkpoints,

    so at every instant ``last_checkpoint`` names a complete checkpoint. A
    kill between 2 and 3 leaves an outdated checkpoint behind (disk, not
    correctness). Before training it deletes the ``*.tmp-<pid>`` files that
    killed writers left in the output folder. It also keeps the epoch and
    iteration it asks for in the checkpoint's meta: MMEngine 0.10's
    ``FlexibleRunner.save_checkpoint`` overwrites them, so the re-save after
    a new best score (made once the epoch counter has moved on) would
    record the next epoch and a resume would skip one.

    ``configs/_base_/default_runtime.py`` selects it, so every amnsfw config
    has it; a config that names MMEngine's ``CheckpointHook`` explicitly
    still gets atomic files but not the ordering above.

    Args:
        **kwargs: :class:`~mmengine.hooks.CheckpointHook` arguments
            (``interval``, ``max_keep_ckpts``, ``save_best``, ``rule``, ...).
    """

    _meta: Optional[dict] = None

    def before_train(self, runner) -> None:
        """Set up as MMEngine does, then clear killed writers' temp files.

        Args:
            runner (Runner): The runner of the training process.
        """
        super().before_train(runner)
        if not is_main_process():
            return
        for folder in sorted({str(self.out_dir), runner.work_dir}):
            for path in remove_stale_temp_files(folder):
                runner.logger.info(f'removed {path}, left by a killed write')

    def _save_checkpoint_with_step(self, runner, step: int,
                                   meta: dict) -> None:
        """Save ``epoch_{step}`` / ``iter_{step}``, point ``last_checkpoint``
        at it, then prune the checkpoints beyond ``max_keep_ckpts``.

        Args:
            runner (Runner): The runner of the training process.
            step (int): The epoch or iteration the checkpoint is named after.
            meta (dict): Meta information saved in the checkpoint.
        """
        outdated: Optional[int] = None
        if self.max_keep_ckpts > 0 and (not self.keep_ckpt_ids
                                        or self.keep_ckpt_ids[-1] != step):
            if len(self.keep_ckpt_ids) == self.max_keep_ckpts:
                outdated = self.keep_ckpt_ids.popleft()
            self.keep_ckpt_ids.append(step)
            runner.message_hub.update_info('keep_ckpt_ids',
                                           list(self.keep_ckpt_ids))

        ckpt_filename = self.filename_tmpl.format(step)
        self.last_ckpt = self.file_backend.join_path(self.out_dir,
                                                     ckpt_filename)
        runner.message_hub.update_info('last_ckpt', self.last_ckpt)
        self._meta = dict(meta)  # the runner may update `meta` in place
        try:
            runner.save_checkpoint(
                self.out_dir,
                ckpt_filename,
                self.file_client_args,
                save_optimizer=self.save_optimizer,
                save_param_scheduler=self.save_param_scheduler,
                meta=meta,
                by_epoch=self.by_epoch,
                backend_args=self.backend_args,
                **self.args)
        finally:
            self._meta = None
        # Sharded (FSDP / DeepSpeed) saves involve every rank; the pointer
        # and the pruning are the main process's.
        if not is_main_process():
            return
        atomic_write(self.last_ckpt,
                     osp.join(runner.work_dir, 'last_checkpoint'))
        if outdated is not None:
            self._remove([
                self.file_backend.join_path(
                    self.out_dir, self.filename_tmpl.format(outdated))
            ])

    def _save_best_checkpoint(self, runner, metrics: dict) -> None:
        """MMEngine's best-checkpoint logic, with the previous best deleted
        only after the new one is written.

        Args:
            runner (Runner): The runner of the training process.
            metrics (dict): Evaluation results of all metrics.
        """
        backend = self.file_backend
        deferred = _DeferredRemovals(backend)
        self.file_backend = deferred
        self._meta = dict(epoch=runner.epoch, iter=runner.iter)
        try:
            super()._save_best_checkpoint(runner, metrics)
        finally:
            self.file_backend = backend
            self._meta = None
        if is_main_process():
            self._remove(deferred.paths)

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        """Record the epoch and iteration this hook saves the checkpoint
        for (the runner may have written others).

        Args:
            runner (Runner): The runner of the training process.
            checkpoint (dict): The checkpoint about to be written.
        """
        if self._meta is not None:
            checkpoint.setdefault('meta', {}).update(
                (key, self._meta[key]) for key in ('epoch', 'iter')
                if key in self._meta)

    def _remove(self, paths: List[str]) -> None:
        """Delete checkpoint files or folders (DeepSpeed saves folders),
        never the current checkpoint or the current best."""
        current = {self.last_ckpt, getattr(self, 'best_ckpt_path', None)}
        current.update(getattr(self, 'best_ckpt_path_dict', {}).values())
        for path in paths:
            if path in current:
                continue
            if self.file_backend.isfile(path):
                self.file_backend.remove(path)
            elif self.file_backend.isdir(path):
                self.file_backend.rmtree(path)
