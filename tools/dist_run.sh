#!/usr/bin/env bash
# torchrun launch shared by dist_train.sh and dist_test.sh:
#   tools/dist_run.sh TOOL.py NPROC [TOOL args]
# Multi-node: set NNODES, NODE_RANK, MASTER_ADDR and PORT on every node.
# Without CUDA the processes use the gloo backend (this is how CI tests it).
set -euo pipefail
TOOL=$1
NPROC=$2
TOOLS_DIR="$(dirname "$0")"
PYTHON=${PYTHON:-"$TOOLS_DIR/../.venv/bin/python"}
[ -x "$PYTHON" ] || PYTHON=python

PYTHONPATH="$TOOLS_DIR/..${PYTHONPATH:+:$PYTHONPATH}" \
"$PYTHON" -m torch.distributed.run \
    --nnodes="${NNODES:-1}" --node_rank="${NODE_RANK:-0}" \
    --master_addr="${MASTER_ADDR:-127.0.0.1}" --master_port="${PORT:-29500}" \
    --nproc_per_node="$NPROC" "$TOOLS_DIR/$TOOL" "${@:3}" --launcher pytorch
