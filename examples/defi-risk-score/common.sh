# Sourced by run.sh and batch.sh: the repository root, the zkinfer binary (built unless ZKINFER
# names one), the pinned EVM tooling, and a JSON reader. Expects `here` (this folder).
root=$(cd "$here/../.." && pwd)
if [ -z "${ZKINFER:-}" ]; then
  cargo build --release --quiet -p zkinfer --manifest-path "$root/Cargo.toml"
  ZKINFER="$root/target/release/zkinfer"
fi
zk() { "$ZKINFER" "$@"; }
[ -d "$root/verifier-contract/node_modules/solc" ] || npm ci --silent --prefix "$root/verifier-contract"
# json FILE EXPR: a field of a JSON file (EXPR in JavaScript over `d`)
json() { node -e 'const d = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); console.log(eval(process.argv[2]))' "$@"; }
