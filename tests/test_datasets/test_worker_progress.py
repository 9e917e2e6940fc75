"""A data loader worker killed by a signal is reported with its sample."""
import os
import signal
import sys
import time

import pytest
import torch
from torch.utils.data import DataLoader, Dataset

from amnsfw.cli_errors import run_tool
from amnsfw.datasets.worker_progress import (WorkerProgress,
                                             describe_dead_worker)

pytestmark = pytest.mark.skipif(sys.platform == 'win32',
                                reason='signals as on POSIX')


class DiesAtFive(Dataset):
    """Ten samples; the worker preparing sample 5 is killed."""

    def __init__(self):
        self.progress = WorkerProgress(self.describe)

    def describe(self, index):
        return f'toy sample {index}'

    def __len__(self):
        return 10

    def __getitem__(self, index):
        self.progress.start(index)
        if index == 5:
            # Let the worker's queue thread finish sending sample 4 first: a
            # kill in mid-send surfaces as a reset connection instead.
            time.sleep(0.3)
            os.kill(os.getpid(), signal.SIGKILL)
        self.progress.finish()
        return torch.tensor(index)


def load_all():
    return list(DataLoader(DiesAtFive(), batch_size=1, num_workers=1))


def test_the_killed_workers_sample_is_named():
    with pytest.raises(RuntimeError) as info:
        load_all()
    described = describe_dead_worker(str(info.value))
    assert described is not None, str(info.value)
    assert described.endswith('was preparing toy sample 5')


def test_a_tool_prints_the_sample_before_the_traceback(capsys):
    with pytest.raises(RuntimeError):
        run_tool(lambda argv: load_all(), [], prog='toy.py')
    assert ('toy.py: a data loader worker died: worker pid'
            in capsys.readouterr().err)


def test_other_messages_name_no_worker():
    assert describe_dead_worker('CUDA out of memory') is None
    assert describe_dead_worker(
        'DataLoader worker (pid(s) 1, 2) exited unexpectedly') is None


def test_a_copy_outside_a_worker_start_gets_slots_of_its_own():
    import copy
    progress = WorkerProgress(lambda index: str(index))
    twin = copy.deepcopy(progress)
    assert twin._samples is not progress._samples
    assert twin.describe(3) == 'sample 3'


def test_a_person_search_dataset_names_the_record(tiny_synthpedes,
                                                  monkeypatch):
    from mmengine.registry import DefaultScope

    from amnsfw.datasets import CUHKPEDES, PersonSearchDataset

    def prepare(self, index):
        if index == 3:
            time.sleep(0.3)
            os.kill(os.getpid(), signal.SIGKILL)
        return dict(index=index)

    monkeypatch.setattr(PersonSearchDataset, '_prepare', prepare)
    with DefaultScope.overwrite_default_scope('amnsfw'):
        dataset = CUHKPEDES(data_root=str(tiny_synthpedes), split='train')
    with pytest.raises(RuntimeError) as info:
        list(DataLoader(dataset, batch_size=1, num_workers=1,
                        collate_fn=lambda items: items))
    described = describe_dead_worker(str(info.value))
    assert described is not None and 'sample 3 of ' in described
    assert dataset.get_data_info(3)['img_path'] in described
