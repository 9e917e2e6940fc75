"""tools/slurm_train.sh and slurm_test.sh, with a fake ``srun`` that runs
one task the way SLURM would (its SLURM_* variables set)."""
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from amnsfw.testing import quick_run_options

REPO = Path(__file__).resolve().parents[2]
CONFIG = REPO / 'configs' / 'itc' / 'itc_tinyclip_8e_synthpedes.py'
TOOLS = REPO / 'tools'
# Logs its arguments, then runs the program after srun's options as task 0
# of 1 (``-p`` takes a value; the other options are ``--name=value``).
FAKE_SRUN = '''#!/usr/bin/env bash
printf '%s\\n' "$@" > "$SRUN_LOG"
while [ $# -gt 0 ]; do
    case $1 in
        -p) shift 2 ;;
        -*) shift ;;
        *) break ;;
    esac
done
[ -n "${RUN_TASK:-}" ] || exit 0
SLURM_PROCID=0 SLURM_NTASKS=1 SLURM_LOCALID=0 SLURM_NODELIST='node-[1-2]' \\
    exec "$@"
'''
# SLURM's host list expansion: the first host is the master.
FAKE_SCONTROL = '''#!/usr/bin/env bash
[ "$*" = "show hostnames node-[1-2]" ] || exit 1
printf '127.0.0.1\\n127.0.0.2\\n'
'''


def executable(path: Path, text: str) -> None:
    path.write_text(text)
    path.chmod(path.stat().st_mode | stat.S_IEXEC)


@pytest.fixture
def fake_slurm(tmp_path):
    bin_dir = tmp_path / 'bin'
    bin_dir.mkdir()
    executable(bin_dir / 'srun', FAKE_SRUN)
    executable(bin_dir / 'scontrol', FAKE_SCONTROL)
    env = dict(os.environ,
               PATH=f'{bin_dir}:{os.environ["PATH"]}',
               SRUN_LOG=str(tmp_path / 'srun_args'),
               PYTHON=sys.executable,
               OMP_NUM_THREADS='1')
    for name in ('GPUS', 'GPUS_PER_NODE', 'CPUS_PER_TASK', 'SRUN_ARGS', 'GRES',
                 'MASTER_ADDR', 'MASTER_PORT'):
        env.pop(name, None)
    return env


@pytest.mark.parametrize('script',
                         ['slurm_run.sh', 'slurm_train.sh', 'slurm_test.sh'])
def test_scripts_parse(script):
    subprocess.run(['bash', '-n', str(TOOLS / script)], check=True)


def test_train_builds_the_srun_command(tmp_path, fake_slurm):
    env = dict(fake_slurm,
               GPUS='16',
               GPUS_PER_NODE='8',
               CPUS_PER_TASK='4',
               SRUN_ARGS='--quotatype=spot --time=60')
    subprocess.run([
        'bash',
        str(TOOLS / 'slurm_train.sh'), 'gpu', 'itc',
        str(CONFIG), 'work', '--cfg-options', 'train_cfg.max_epochs=2'
    ],
                   env=env,
                   check=True)
    assert (tmp_path / 'srun_args').read_text().splitlines() == [
        '-p', 'gpu', '--job-name=itc', '--gres=gpu:8', '--ntasks=16',
        '--ntasks-per-node=8', '--cpus-per-task=4', '--kill-on-bad-exit=1',
        '--quotatype=spot', '--time=60', sys.executable, '-u',
        str(TOOLS / 'train.py'),
        str(CONFIG), '--work-dir', 'work', '--cfg-options',
        'train_cfg.max_epochs=2', '--launcher', 'slurm'
    ]


def test_test_defaults_and_cpu_partition(tmp_path, fake_slurm):
    env = dict(fake_slurm, GPUS='2', GRES='')
    subprocess.run([
        'bash',
        str(TOOLS / 'slurm_test.sh'), 'cpu', 'eval',
        str(CONFIG), 'epoch_1.pth'
    ],
                   env=env,
                   check=True)
    assert (tmp_path / 'srun_args').read_text().splitlines() == [
        '-p', 'cpu', '--job-name=eval', '--ntasks=2', '--ntasks-per-node=2',
        '--cpus-per-task=5', '--kill-on-bad-exit=1', sys.executable, '-u',
        str(TOOLS / 'test.py'),
        str(CONFIG), 'epoch_1.pth', '--launcher', 'slurm'
    ]


def test_missing_arguments_are_a_usage_error(fake_slurm):
    result = subprocess.run(
        ['bash',
         str(TOOLS / 'slurm_train.sh'), 'gpu', 'itc',
         str(CONFIG)],
        env=fake_slurm,
        capture_output=True,
        text=True)
    assert result.returncode == 2 and 'usage:' in result.stderr


def test_one_task_trains_on_cpu_with_the_slurm_launcher(tmp_path, fake_slurm):
    from amnsfw.datasets.synthpedes import generate_synthpedes
    generate_synthpedes(tmp_path / 'data',
                        num_train_ids=4,
                        num_val_ids=2,
                        num_test_ids=2,
                        images_per_id=2)
    options = quick_run_options(batch_size=8)
    env = dict(fake_slurm,
               RUN_TASK='1',
               GPUS='1',
               GRES='',
               MASTER_PORT='29541')
    result = subprocess.run([
        'bash',
        str(TOOLS / 'slurm_train.sh'), 'cpu', 'itc',
        str(CONFIG),
        str(tmp_path / 'work'), '--cfg-options', *options
    ],
                            cwd=tmp_path,
                            env=env,
                            capture_output=True,
                            text=True,
                            timeout=300)
    log = result.stdout + result.stderr
    assert result.returncode == 0, log[-3000:]
    assert 'Distributed training: True' in log
    assert 'Distributed launcher: slurm' in log
    assert "type='CPUDistributedDataParallel'" in log
    assert (tmp_path / 'work' / 'epoch_1.pth').is_file()
