#!/usr/bin/env bash
# Installs EZKL 23.x (and onnx, whose wheel ships the test cases) into the venv of
# ezkl_side_by_side.sh and runs both tools on the ONNX project's PyTorch-exported test cases;
# writes its section of docs/ezkl_comparison.md. CASES=a,b limits the cases, TOOLS=zkinfer the tools.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
venv=${EZKL_VENV:-$root/out/ezkl-venv}
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install -q "ezkl>=23,<24" onnxruntime numpy onnx
cargo build --release --quiet -p zkinfer --manifest-path "$root/Cargo.toml"
RUNS=${RUNS:-1} exec "$venv/bin/python" "$root/benches/onnx_test_cases.py"
