#!/usr/bin/env bash
# Set up amnsfw from a clean clone: a virtual environment in .venv holding the
# pinned stack (requirements/constraints.txt), amnsfw and its first-party
# plugins (plugins/rde, plugins/amns) and the external example plugin
# (examples/amnsfw-example-plugin) in editable mode, and the test tools.
# Safe to run again; it only installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$python" -m venv .venv
.venv/bin/python -m pip install --quiet --disable-pip-version-check \
    -c requirements/constraints.txt -e ".[tests]" \
    -e plugins/rde -e plugins/amns -e examples/amnsfw-example-plugin
.venv/bin/python -c "import amnsfw, torch; print('amnsfw', amnsfw.__version__, 'on torch', torch.__version__)"
