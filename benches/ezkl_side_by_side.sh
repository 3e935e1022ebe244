#!/usr/bin/env bash
# Installs EZKL 23.x (with onnxruntime for the float reference) into a venv and runs the
# side-by-side comparison; writes docs/ezkl_comparison.md. MODELS=a,b limits the models, RUNS=N
# sets the proofs per model (default 3); with MODELS, the other rows of docs/ezkl_comparison.json are kept.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
venv=${EZKL_VENV:-$root/out/ezkl-venv}
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install -q "ezkl>=23,<24" onnxruntime numpy
cargo build --release --quiet -p zkinfer --manifest-path "$root/Cargo.toml"
exec "$venv/bin/python" "$root/benches/ezkl_side_by_side.py"
