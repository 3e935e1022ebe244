#!/usr/bin/env bash
# Runs every test: installs the pinned EVM tooling (solc-js, anvil) when missing, runs the Rust
# test suite in release mode (proving is far too slow unoptimized), then installs the Python
# package with its test and example dependencies (`pip install ./python[...]`, built by maturin
# from the same target/ folder) and runs its pytest suite, the Python and Ray examples included.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -d verifier-contract/node_modules/solc ]; then
  npm ci --prefix verifier-contract --no-audit --no-fund
fi
cargo test --release --workspace
start=$SECONDS
./scripts/install-python.sh "test,examples,batch"
echo "Python package built and installed in $((SECONDS - start)) s"
python3 -m pytest python/tests -p no:cacheprovider
