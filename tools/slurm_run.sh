#!/usr/bin/env bash
# srun launch shared by slurm_train.sh and slurm_test.sh (OpenMMLab style):
#   tools/slurm_run.sh TOOL.py PARTITION JOB_NAME [TOOL args]
# One task per GPU. From the environment: GPUS (total tasks, default 8),
# GPUS_PER_NODE (default 8, at most GPUS), CPUS_PER_TASK (default 5),
# GRES (default gpu:GPUS_PER_NODE; empty on CPU-only partitions), SRUN_ARGS
# (extra srun options, e.g. "--quotatype=spot --time=2-00:00:00"), PYTHON
# (default: the repo's .venv, else python). Each task reads its rank from
# SLURM_* (--launcher slurm); MASTER_PORT (default 29500) picks the port.
set -euo pipefail
TOOL=$1
PARTITION=$2
JOB_NAME=$3
TOOLS_DIR="$(cd "$(dirname "$0")" && pwd)"
GPUS=${GPUS:-8}
GPUS_PER_NODE=${GPUS_PER_NODE:-$((GPUS < 8 ? GPUS : 8))}
CPUS_PER_TASK=${CPUS_PER_TASK:-5}
GRES=${GRES-gpu:$GPUS_PER_NODE}
read -r -a EXTRA_SRUN_ARGS <<< "${SRUN_ARGS:-}"
PYTHON=${PYTHON:-"$TOOLS_DIR/../.venv/bin/python"}
[ -x "$PYTHON" ] || PYTHON=python

PYTHONPATH="$TOOLS_DIR/..${PYTHONPATH:+:$PYTHONPATH}" \
srun -p "$PARTITION" \
    --job-name="$JOB_NAME" \
    ${GRES:+--gres="$GRES"} \
    --ntasks="$GPUS" \
    --ntasks-per-node="$GPUS_PER_NODE" \
    --cpus-per-task="$CPUS_PER_TASK" \
    --kill-on-bad-exit=1 \
    ${EXTRA_SRUN_ARGS[@]+"${EXTRA_SRUN_ARGS[@]}"} \
    "$PYTHON" -u "$TOOLS_DIR/$TOOL" "${@:4}" --launcher slurm
