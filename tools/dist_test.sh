#!/usr/bin/env bash
# Distributed evaluation: tools/dist_test.sh CONFIG CHECKPOINT GPUS [test.py args]
# (NNODES, NODE_RANK, MASTER_ADDR, PORT from the environment; see dist_run.sh).
exec "$(dirname "$0")/dist_run.sh" test.py "$3" "$1" "$2" "${@:4}"
