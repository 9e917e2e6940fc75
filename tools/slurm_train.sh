#!/usr/bin/env bash
# Training on a SLURM cluster:
#   tools/slurm_train.sh PARTITION JOB_NAME CONFIG WORK_DIR [train.py args]
# (GPUS, GPUS_PER_NODE, CPUS_PER_TASK, SRUN_ARGS from the environment; see
# slurm_run.sh). Add --resume to continue from WORK_DIR's last checkpoint.
if [ $# -lt 4 ]; then
    echo "usage: $0 PARTITION JOB_NAME CONFIG WORK_DIR [train.py args]" >&2
    exit 2
fi
exec "$(dirname "$0")/slurm_run.sh" train.py "$1" "$2" "$3" \
    --work-dir "$4" "${@:5}"
