#!/usr/bin/env bash
# The main job on a bundled model: build zkinfer, then compile -> setup -> prove -> verify the
# MNIST-sized MLP (784-128-64-10), printing the proved output beside tract's float output.
#
#   ./scripts/demo.sh [model-folder]      (default: models/mnist_mlp)
#
# Needs a Rust toolchain (cargo); everything else comes from crates.io on the first build.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
model_dir=${1:-models/mnist_mlp}
work=${ZKINFER_DEMO_DIR:-$root/out/demo}
mkdir -p "$work"

if ! command -v cargo >/dev/null; then
  echo "cargo not found: install Rust first (https://rustup.rs), then run this script again" >&2
  exit 1
fi
echo "== building zkinfer (release; the first build takes ~10 minutes on 2 cores)"
cargo build --release --quiet -p zkinfer
zk="$root/target/release/zkinfer"

echo "== compile: import, calibrate on the bundled samples, quantize, size the circuit"
"$zk" compile "$model_dir/model.onnx" --input "$model_dir/input.json" --input "$model_dir/input2.json" -o "$work/model.zkc"
k=$("$zk" inspect "$work/model.zkc" --json | sed -n 's/.*"k": \([0-9]*\).*/\1/p' | head -n1)

echo "== srs: a local development SRS for k = $k (INSECURE; load a ceremony SRS for production)"
"$zk" srs gen --k "$k" -o "$work/srs.bin"

echo "== setup: proving and verifying keys"
"$zk" setup "$work/model.zkc" --srs "$work/srs.bin" --pk "$work/pk.bin" --vk "$work/vk.bin"

echo "== prove"
"$zk" prove "$work/model.zkc" --pk "$work/pk.bin" --input "$model_dir/input.json" -o "$work/proof.json"

echo "== verify"
"$zk" verify --vk "$work/vk.bin" --proof "$work/proof.json"
echo "== done: artifacts in $work"
