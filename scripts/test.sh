#!/usr/bin/env bash
# Runs every test: installs the pinned EVM tooling (solc-js, anvil) when missing, then the
# Rust test suite in release mode (proving is far too slow unoptimized).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -d verifier-contract/node_modules/solc ]; then
  npm ci --prefix verifier-contract --no-audit --no-fund
fi
cargo test --release --workspace
