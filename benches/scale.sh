#!/usr/bin/env bash
# The scale benchmark beside EZKL 23: installs EZKL (and onnx, onnxruntime) into a venv, builds
# the release binaries, runs benches/scale.py with --ezkl. `benches/scale.sh [runs] [--only a,b]`.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
venv=${EZKL_VENV:-$root/out/ezkl-venv}
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install -q "ezkl>=23,<24" onnxruntime onnx numpy
command -v /usr/bin/time >/dev/null || { echo "needs GNU time (apt-get install time)" >&2; exit 1; }
cargo build --release --quiet -p zkinfer -p zkinfer-benches --bins --manifest-path "$root/Cargo.toml"
exec "$venv/bin/python" "$root/benches/scale.py" --ezkl "$@"
