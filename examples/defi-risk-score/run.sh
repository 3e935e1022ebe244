#!/usr/bin/env bash
# DeFi risk score, end to end on a local chain, in one command:
#
#   examples/defi-risk-score/run.sh
#
# 1. compiles the bundled gradient-boosted credit model (models/credit_gbt) with a hashed input:
#    the proof exposes a Poseidon commitment to the borrower's features, never the features;
# 2. generates an (insecure, development) SRS and the keys;
# 3. commits to two borrowers' features, as an oracle would, and proves each one's risk score;
#    proves a second model (models/credit_logistic) on Alice's features too;
# 4. on a fresh anvil chain: deploys the verifier and a LendingPool that pins it, registers both
#    commitments, and has Alice raise her limit with her proof; Bob's use of Alice's proof, a replay,
#    Bob's own high-risk proof and the other model's proof are refused. Prints the new limit and
#    the lending transaction's gas.
#
# run.sh --batch N (1 to 8) scores N borrowers with one aggregated proof instead (batch.sh).
#
# Needs: cargo, Node.js with `npm ci --prefix verifier-contract` (done here if missing).
# ZKINFER=path/to/zkinfer skips the build; OUT=dir keeps the files (default out/defi-risk-score).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
if [ "${1:-}" = --batch ]; then
  exec "$here/batch.sh" "${2:-}"
fi
[ $# -eq 0 ] || { echo "usage: run.sh [--batch N]" >&2; exit 2; }
# shellcheck source=common.sh
. "$here/common.sh"
out=${OUT:-$root/out/defi-risk-score}
mkdir -p "$out"

credit=$root/models/credit_gbt
calibration=(--input "$credit/input.json" --input "$credit/input2.json" --input "$here/alice.json" --input "$here/bob.json")

echo "== compile the credit model with a salted input (owner, salt and features committed)" >&2
zk compile "$credit/model.onnx" "${calibration[@]}" --input-visibility salted --optimize verifier -o "$out/credit.zkc" --json > "$out/compile.json"
k=$(json "$out/compile.json" "d.k")
zk srs gen --k "$k" -o "$out/srs.bin" --json > /dev/null
zk setup "$out/credit.zkc" --srs "$out/srs.bin" --pk "$out/pk.bin" --vk "$out/vk.bin" --json > /dev/null
zk gen-verifier --vk "$out/vk.bin" -o "$out/Verifier.sol" --json > /dev/null

echo "== the oracle's commitments, and each borrower's proof" >&2
for who in alice bob; do
  zk commit "$out/credit.zkc" --input "$here/$who.json" > "$out/$who.commitment"
  zk prove "$out/credit.zkc" --pk "$out/pk.bin" --input "$here/$who.json" -o "$out/$who.proof.json" --json > "$out/$who.prove.json"
  zk verify --vk "$out/vk.bin" --proof "$out/$who.proof.json" --json > /dev/null
  zk calldata --proof "$out/$who.proof.json" --json > "$out/$who.calldata.json"
done

# compiled with the same options, so it quantizes Alice's features the same way: same commitment
echo "== another model, proved on Alice's features" >&2
other=$root/models/credit_logistic
zk compile "$other/model.onnx" --input "$other/input.json" --input "$here/alice.json" --input-visibility salted --optimize verifier -o "$out/other.zkc" --json > /dev/null
zk inspect "$out/other.zkc" --json > "$out/other.inspect.json"
zk srs gen --k "$(json "$out/other.inspect.json" "d.circuit.params.k")" -o "$out/other-srs.bin" --json > /dev/null
zk setup "$out/other.zkc" --srs "$out/other-srs.bin" --pk "$out/other-pk.bin" --vk "$out/other-vk.bin" --json > /dev/null
zk prove "$out/other.zkc" --pk "$out/other-pk.bin" --input "$here/alice.json" -o "$out/other.proof.json" --json > /dev/null
zk calldata --proof "$out/other.proof.json" --json > "$out/other.calldata.json"

# The instances: the owner (0), the commitment (1), the label (2), then the probabilities
# [P(repaid), P(default)]: the risk is P(default) (4); the pool accepts a risk up to 0.30.
scale=$(json "$out/alice.proof.json" "d.outputs[1].scale")
node - "$out" "$scale" <<'JS' > "$out/settings.json"
const fs = require('fs');
const [out, scale] = process.argv.slice(2);
const read = (f) => fs.readFileSync(`${out}/${f}`, 'utf8').trim();
console.log(JSON.stringify({
  verifier_sol: `${out}/Verifier.sol`, model_digest: JSON.parse(read('alice.proof.json')).model_digest,
  owner_index: 0, commitment_index: 1, risk_index: 4, max_risk: Math.floor(0.30 * 2 ** Number(scale)),
  alice: { commitment: read('alice.commitment'), calldata: `${out}/alice.calldata.json` },
  bob: { commitment: read('bob.commitment'), calldata: `${out}/bob.calldata.json` },
  other_model: { calldata: `${out}/other.calldata.json` },
}));
JS
for who in alice bob; do
  echo "   $who: P(default) proved = $(json "$out/$who.proof.json" "d.outputs[1].values[1].toFixed(4)")" >&2
done
echo "== on-chain: LendingPool on a local anvil chain" >&2
prove_s=$(json "$out/alice.prove.json" "d.prove_seconds.toFixed(2)")
node "$here/lending.js" "$out/settings.json" | tee "$out/result.json"
echo "(Alice's proof took ${prove_s}s; files in $out)" >&2
