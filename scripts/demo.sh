#!/usr/bin/env bash
# The main job on a bundled model: build zkinfer, then compile -> setup -> prove -> verify the
# MNIST-sized MLP (784-128-64-10), printing the proved output beside tract's float output; then,
# when Node.js is present, the Solidity verifier on a local anvil chain with its gas.
#
#   ./scripts/demo.sh [model-folder]      (default: models/mnist_mlp)
#
# Needs a Rust toolchain (cargo); everything else comes from crates.io on the first build (and,
# for the Python step, PyPI: maturin and numpy).
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

echo "== srs: a local development SRS for the model's k (INSECURE; load a ceremony SRS for production)"
"$zk" srs gen --for "$work/model.zkc" -o "$work/srs.bin"

echo "== setup: proving and verifying keys"
"$zk" setup "$work/model.zkc" --srs "$work/srs.bin" --pk "$work/pk.bin" --vk "$work/vk.bin"

echo "== prove"
"$zk" prove "$work/model.zkc" --pk "$work/pk.bin" --input "$model_dir/input.json" -o "$work/proof.json"

echo "== verify"
"$zk" verify --vk "$work/vk.bin" --proof "$work/proof.json"
onchain() { # $1: folder holding vk.bin and proof.json
  "$zk" gen-verifier --vk "$1/vk.bin" -o "$1/Verifier.sol" --compile --json > "$1/gen-verifier.json"
  "$zk" calldata --proof "$1/proof.json" --json > "$1/calldata.json"
  # deploys with the constructor arguments gen-verifier chose; also sends a tampered proof and a
  # non-canonical instance, which must both be refused
  node verifier-contract/scripts/anvil-verify.js "$1/Verifier.sol" "$1/calldata.json" "$1/gen-verifier.json"
}
if command -v node >/dev/null && command -v npm >/dev/null; then
  [ -d verifier-contract/node_modules/solc ] || npm ci --prefix verifier-contract --no-audit --no-fund --silent
  echo "== on-chain: Solidity verifier, deployed on a local anvil chain, one verify transaction"
  size=$("$zk" gen-verifier --vk "$work/vk.bin" -o "$work/Verifier.sol" --compile --json | sed -n 's/.*"runtime_bytes": \([0-9]*\).*/\1/p')
  if [ "${size:-0}" -le 24576 ]; then
    onchain "$work"
  else
    echo "   this layout's verifier is $size bytes of runtime code, over EIP-170's 24,576-byte limit"
    echo "   (about 200 bytes per public value: it has $("$zk" inspect "$work/model.zkc" --json | sed -n 's/.*"public_instances": \([0-9]*\).*/\1/p'))."
    echo "   Recompiling for the verifier (--optimize verifier: narrow columns, public values packed several per instance):"
    v="$work/for-verifier"; mkdir -p "$v"
    "$zk" compile "$model_dir/model.onnx" --input "$model_dir/input.json" --input "$model_dir/input2.json" --optimize verifier -o "$v/model.zkc"
    "$zk" srs gen --for "$v/model.zkc" -o "$v/srs.bin" 2>/dev/null
    "$zk" setup "$v/model.zkc" --srs "$v/srs.bin" --pk "$v/pk.bin" --vk "$v/vk.bin" >/dev/null
    "$zk" prove "$v/model.zkc" --pk "$v/pk.bin" --input "$model_dir/input.json" -o "$v/proof.json" >/dev/null
    onchain "$v"
  fi
else
  echo "== on-chain check skipped: needs Node.js and npm (for solc-js and anvil)"
fi
if command -v python3 >/dev/null; then
  echo "== Python: build and install the zkinfer package (pip install ./python), then verify the same proof from Python"
  ./scripts/install-python.sh
  python3 - "$work/vk.bin" "$work/proof.json" <<'PY'
import sys, zkinfer
report = zkinfer.verify(sys.argv[1], sys.argv[2])
print(f"   zkinfer.verify: verified = {report['verified']}, outputs: " + ", ".join(f"{o['name']} {o['values'].shape}" for o in report["outputs"]))
PY
else
  echo "== Python package skipped: needs python3 with pip"
fi
echo "== done: artifacts in $work"
