#!/usr/bin/env bash
# Installs the zkinfer Python package (`pip install ./python`, a maturin build of python/ that
# reuses target/) with the optional dependency groups named in $1 (e.g. "test,examples,batch").
set -euo pipefail
cd "$(dirname "$0")/.."
extras=${1:+[$1]}
python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore "./python$extras"
python3 -c 'import zkinfer; print(f"zkinfer {zkinfer.__version__} (Python package) installed")'
