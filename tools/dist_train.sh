#!/usr/bin/env bash
# Distributed training: tools/dist_train.sh CONFIG GPUS [train.py args]
# (NNODES, NODE_RANK, MASTER_ADDR, PORT from the environment; see dist_run.sh).
exec "$(dirname "$0")/dist_run.sh" train.py "$2" "$1" "${@:3}"
