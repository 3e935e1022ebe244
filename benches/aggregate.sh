#!/usr/bin/env bash
# Aggregation at scale (issue 15): N credit-score proofs (models/credit_gbt, salted input, as the
# DeFi example) aggregated into one, for each N given (default 1 2 4 8 16). Records per N every
# layer's layout, wall time and peak RSS of `zkinfer aggregate` (key generation and proofs of
# every layer), the proof size, and the aggregate verifier's size and gas on revm (Osaka; EIP-170
# lifted only when the verifier is over it), whole transaction and per score. Writes its section
# of docs/gas.md and docs/aggregate.json.
#
#   benches/aggregate.sh [N ...]      AGG_K=22 (the aggregation SRS's k), COMPRESS=0 for one layer
#                                     at AGG_K, WORK=dir to keep files (and the SRS) between runs
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
cargo build --release --quiet -p zkinfer
zk="$root/target/release/zkinfer"
[ -d verifier-contract/node_modules/solc ] || npm ci --prefix verifier-contract --no-audit --no-fund --silent
counts=("$@")
[ ${#counts[@]} -gt 0 ] || counts=(1 2 4 8 16)
agg_k=${AGG_K:-22}
layers=(--compress --first-k 20)
[ "${COMPRESS:-1}" = 1 ] || layers=()
work=${WORK:-$(mktemp -d)}
mkdir -p "$work"
credit=models/credit_gbt
borrowers=(examples/defi-risk-score/alice.json examples/defi-risk-score/bob.json examples/defi-risk-score/borrowers/*.json)
calibration=(--input "$credit/input.json" --input "$credit/input2.json")
for b in "${borrowers[@]}"; do calibration+=(--input "$b"); done

"$zk" compile "$credit/model.onnx" "${calibration[@]}" --input-visibility salted --optimize verifier -o "$work/credit.zkc" --json > /dev/null
[ -f "$work/srs-$agg_k.bin" ] || "$zk" srs gen --k "$agg_k" -o "$work/srs-$agg_k.bin" --json > /dev/null
"$zk" setup "$work/credit.zkc" --srs "$work/srs-$agg_k.bin" --pk "$work/pk.bin" --vk "$work/vk.bin" --json > /dev/null
max=0
for n in "${counts[@]}"; do [ "$n" -gt "$max" ] && max=$n; done
for i in $(seq 0 $((max - 1))); do
  b=${borrowers[$((i % ${#borrowers[@]}))]}
  [ -f "$work/p$i.json" ] || "$zk" prove "$work/credit.zkc" --pk "$work/pk.bin" --input "$b" --for-aggregation -o "$work/p$i.json" --json > /dev/null
done

for n in "${counts[@]}"; do
  echo "== N = $n" >&2
  proofs=()
  for i in $(seq 0 $((n - 1))); do proofs+=("$work/p$i.json"); done
  if /usr/bin/time -f '%M %e' -o "$work/agg$n.time" "$zk" aggregate "${proofs[@]}" --vk "$work/vk.bin" --srs "$work/srs-$agg_k.bin" "${layers[@]}" -o "$work/agg$n.json" --out-vk "$work/agg$n.vk" --json > "$work/agg$n.run.json"; then
    "$zk" evm-verify --vk "$work/agg$n.vk" --proof "$work/agg$n.json" --no-size-limit --json > "$work/agg$n.evm.json"
  else
    echo "N = $n failed (see $work/agg$n.time)" >&2
  fi
done

python3 - "$work" "$agg_k" "${#layers[@]}" "${counts[@]}" <<'PY'
import itertools, json, os, sys
sys.path.insert(0, "benches")
from doc_sections import replace_section
work, agg_k, compressed, counts = sys.argv[1], int(sys.argv[2]), sys.argv[3] != "0", [int(n) for n in sys.argv[4:]]
rows = []
for n in counts:
    row = {"proofs": n, "k": agg_k}
    try:
        run = json.load(open(os.path.join(work, f"agg{n}.run.json")))
        evm = json.load(open(os.path.join(work, f"agg{n}.evm.json")))
        rss_kib, seconds = open(os.path.join(work, f"agg{n}.time")).read().split()[-2:]
        row.update(layers=run.get("earlier_layers", []) + [run["layout"]], proof_bytes=run["proof_bytes"], seconds=float(seconds),
                   peak_rss_mib=int(rss_kib) // 1024, gas=evm["raw_gas"], gas_per_score=evm["raw_gas"] // n,
                   runtime_bytes=evm["runtime_bytes"], accepted=evm["accepted"])
    except (OSError, KeyError, ValueError) as e:
        timing = os.path.join(work, f"agg{n}.time")
        lines = open(timing).read().strip().splitlines() if os.path.exists(timing) else []
        if lines and len(lines[-1].split()) == 2:  # /usr/bin/time's "peak-KiB seconds" after its message
            rss_kib, seconds = lines[-1].split()
            lines[-1] = f"after {float(seconds):,.0f} s at {int(rss_kib) // 1024:,} MiB"
        row["failed"] = " ".join(lines) or str(e)
    rows.append(row)
# rows of other N from an earlier run are kept (one run per N fits the machine better than all)
try:
    kept = [r for r in json.load(open("docs/aggregate.json")) if r["proofs"] not in counts]
except (OSError, ValueError):
    kept = []
rows = sorted(kept + rows, key=lambda r: r["proofs"])
json.dump(rows, open("docs/aggregate.json", "w"), indent=1)
how = ("the proofs aggregated at k = 20, in groups of at most 8 (a tree above 8: each group's aggregate compressed alone at k = %d to two advice columns, then merged), compressed until the last circuit has one advice column (or a compression stops narrowing it)" % agg_k
       if compressed else "one aggregation circuit at k = %d" % agg_k)
lines = [
    "## Aggregated verification",
    "",
    "Written by `benches/aggregate.sh`: N credit-score proofs (`models/credit_gbt`, salted input, `--optimize",
    f"verifier`) aggregated with `zkinfer aggregate` ({how}; snark-verifier-sdk's aggregation circuit,",
    "SHPLONK), then the aggregate verified by its generated Solidity verifier on revm (Osaka, whole",
    "transaction). Time and peak RSS are the whole `zkinfer aggregate` process: every layer's key generation",
    "and proof, on this 2-core machine. Layers: advice / lookup / fixed columns at each k, first to last.",
    "",
    "| N | layers | aggregate s | peak RSS MiB | proof bytes | verifier bytes | gas | gas per score |",
    "|---|---|---|---|---|---|---|---|",
]
for r in rows:
    if "failed" in r:
        lines.append(f"| {r['proofs']} | failed: {r['failed']} | | | | | | |")
        continue
    shown = [f"{l['num_advice']}/{l['num_lookup_advice']}/{l['num_fixed']} at k {l['degree']}" for l in r["layers"]]
    # a tree's levels (one circuit per group) as "G × columns"; the last circuit on its own
    levels = [[c, sum(1 for _ in run)] for c, run in itertools.groupby(shown[:-1])] + [[shown[-1], 1]]
    layers = " → ".join(c if n == 1 else f"{n} × {c}" for c, n in levels)
    size = f"{r['runtime_bytes']:,}" + ("" if r["runtime_bytes"] <= 24576 else " (over EIP-170)")
    lines.append(f"| {r['proofs']} | {layers} | {r['seconds']:.0f} | {r['peak_rss_mib']:,} | {r['proof_bytes']:,} | {size} | {r['gas']:,} | {r['gas_per_score']:,} |")
replace_section("docs/gas.md", "aggregation", "benches/aggregate.sh", "\n".join(lines))
print("\n".join(lines))
PY
