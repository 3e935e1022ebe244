#!/usr/bin/env bash
# DeFi risk scores in a batch: N borrowers' credit scores verified on-chain with one aggregated
# proof (run.sh --batch N calls this; N from 1 to 8):
#
#   examples/defi-risk-score/run.sh --batch 8
#
# 1. compiles the credit model (models/credit_gbt) with a salted input, as run.sh does: each
#    borrower's file holds their address (the owner) and a salt;
# 2. generates one (insecure, development) SRS of the aggregation's size, k = AGG_K (default 22;
#    about 15 minutes on 2 cores, kept in OUT for the next run), and sets the model up with it
#    cut to the model's k: the aggregate's pairing is decided with this SRS, so the inner proofs
#    must come from the same ceremony;
# 3. commits to N borrowers' salted features (the oracle's side) and proves each score for
#    aggregation (`prove --for-aggregation`), then aggregates them into one proof (`zkinfer
#    aggregate --compress`: the proofs at k = 20, that aggregate compressed at AGG_K until its
#    circuit has one advice column; measured when it stopped at two, about 20 minutes for 2
#    proofs and 47 for 8 (21 GB), and the last compression adds about 7);
#    the protocol makes its own aggregation key from the model key (`aggregate-setup`), verifies
#    the aggregate with it in Rust and writes its Solidity verifier (`gen-verifier --aggregated`);
# 4. on a fresh anvil chain: deploys the aggregate's verifier and BatchRiskScores, registers the
#    N commitments, and submits the N scores in one transaction; a batch naming the borrowers in
#    another order (each slot names its owner), a replay, a changed inner instance, a
#    non-canonical instance and stale features are refused. Prints the gas of the batch and per
#    score.
#
# AGG_K=20 COMPRESS=0 aggregates in one layer instead (faster, but its verifier grows with N and
# is over EIP-170's 24,576 bytes: anvil then runs with the limit lifted, which mainnet would not;
# docs/gas.md). Needs what run.sh needs; ZKINFER and OUT as there.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
n=${1:?usage: batch.sh N (1 to 8)}
borrowers=("$here/alice.json" "$here/bob.json" "$here"/borrowers/*.json)
if ! [[ "$n" =~ ^[0-9]+$ ]] || [ "$n" -lt 1 ] || [ "$n" -gt ${#borrowers[@]} ]; then
  echo "error: --batch takes a number of borrowers from 1 to ${#borrowers[@]}, not '$n'" >&2
  exit 2
fi
agg_k=${AGG_K:-22}
layers=(--compress --first-k 20)
[ "${COMPRESS:-1}" = 1 ] || layers=()
# shellcheck source=common.sh
. "$here/common.sh"
out=${OUT:-$root/out/defi-risk-score-batch}
mkdir -p "$out"
# peak RSS (MiB) and seconds of a command, from GNU time
timed() { local log=$1; shift; /usr/bin/time -f '%M %e' -o "$log" "$@"; }

credit=$root/models/credit_gbt
calibration=(--input "$credit/input.json" --input "$credit/input2.json")
for b in "${borrowers[@]}"; do calibration+=(--input "$b"); done

echo "== compile the credit model with a salted input; SRS of k = $agg_k for the aggregation" >&2
zk compile "$credit/model.onnx" "${calibration[@]}" --input-visibility salted --optimize verifier -o "$out/credit.zkc" --json > /dev/null
[ -f "$out/srs-$agg_k.bin" ] || zk srs gen --k "$agg_k" -o "$out/srs-$agg_k.bin" --json > /dev/null
zk setup "$out/credit.zkc" --srs "$out/srs-$agg_k.bin" --pk "$out/pk.bin" --vk "$out/vk.bin" --json > /dev/null

echo "== $n borrowers: the oracle's commitments, and each score proved for aggregation" >&2
names=() proofs=() owners=()
for b in "${borrowers[@]:0:$n}"; do
  who=$(basename "$b" .json)
  names+=("$who")
  owners+=("$(json "$b" "d.owner")")
  zk commit "$out/credit.zkc" --input "$b" > "$out/$who.commitment"
  zk prove "$out/credit.zkc" --pk "$out/pk.bin" --input "$b" --for-aggregation -o "$out/$who.proof.json" --json > /dev/null
  proofs+=("$out/$who.proof.json")
  echo "   $who: P(default) proved = $(json "$out/$who.proof.json" "d.outputs[1].values[1].toFixed(4)")" >&2
done

echo "== aggregate the $n proofs (key generation, then the proof)" >&2
timed "$out/aggregate.time" "$ZKINFER" aggregate "${proofs[@]}" --vk "$out/vk.bin" --srs "$out/srs-$agg_k.bin" "${layers[@]}" -o "$out/aggregate.json" --out-vk "$out/aggregate.vk" --json > "$out/aggregate.run.json"
# the protocol's side: its own aggregation key from the model key it trusts, not the aggregator's
echo "== the verifier's own aggregation key, the check, the Solidity verifier" >&2
zk aggregate-setup --vk "$out/vk.bin" --count "$n" --srs "$out/srs-$agg_k.bin" "${layers[@]}" --out-vk "$out/protocol-aggregate.vk" --json > /dev/null
cmp -s "$out/aggregate.vk" "$out/protocol-aggregate.vk" || { echo "error: the aggregator's key differs from the protocol's" >&2; exit 1; }
zk verify --vk "$out/protocol-aggregate.vk" --proof "$out/aggregate.json" --json > /dev/null
zk gen-verifier --aggregated --vk "$out/protocol-aggregate.vk" -o "$out/AggregateVerifier.sol" --json > /dev/null
zk calldata --proof "$out/aggregate.json" --json > "$out/aggregate.calldata.json"
read -r rss_kib agg_s < "$out/aggregate.time"

# In each slot: the owner (0), the commitment (1), the label (2), P(repaid) (3), P(default)
# (4); the pool accepts a risk up to 0.30.
scale=$(json "${proofs[0]}" "d.outputs[1].scale")
node - "$out" "$scale" "${names[@]}" -- "${owners[@]}" <<'JS' > "$out/batch-settings.json"
const fs = require('fs');
const [out, scale, ...rest] = process.argv.slice(2);
const names = rest.slice(0, rest.indexOf('--'));
const owners = rest.slice(rest.indexOf('--') + 1);
const read = (f) => fs.readFileSync(`${out}/${f}`, 'utf8').trim();
const proof = JSON.parse(read(`${names[0]}.proof.json`));
console.log(JSON.stringify({
  verifier_sol: `${out}/AggregateVerifier.sol`, model_digest: proof.model_digest,
  slot_instances: proof.instances.length, owner_index: 0, commitment_index: 1, risk_index: 4,
  max_risk: Math.floor(0.30 * 2 ** Number(scale)), scale: Number(scale), calldata: `${out}/aggregate.calldata.json`,
  borrowers: names.map((name, i) => ({ name, address: owners[i], commitment: read(`${name}.commitment`) })),
}));
JS
echo "== on-chain: BatchRiskScores on a local anvil chain" >&2
node "$here/lending-batch.js" "$out/batch-settings.json" | node -e '
let d = ""; process.stdin.on("data", (c) => (d += c)).on("end", () => {
  const r = JSON.parse(d);
  r.aggregation = { proofs: Number(process.argv[1]), k: Number(process.argv[2]), seconds: Number(process.argv[3]), peak_rss_mib: Math.round(Number(process.argv[4]) / 1024) };
  console.log(JSON.stringify(r, null, 2));
  if (!Object.values(r.checks).every(Boolean)) process.exitCode = 1;
});' "$n" "$agg_k" "$agg_s" "$rss_kib" | tee "$out/batch-result.json"
echo "(aggregating $n proofs took ${agg_s}s at a peak of $((rss_kib / 1024)) MiB; files in $out)" >&2
