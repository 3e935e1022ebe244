#!/usr/bin/env bash
# On-chain cost of every bundled model's verifier: for each model and each layout objective
# (`--optimize verifier` and the default `prover`), proves one inference and verifies it with the
# generated Solidity verifier on revm (Osaka rules); records the raw verifier's whole-transaction
# gas, its runtime bytecode size against EIP-170, the public instances, k, prove time and error,
# beside EZKL's gas where it was measured (issue 4: public input and output), and the same proof
# through the reusable verifier under the model's key contract. Writes its two sections of
# docs/gas.md, and docs/gas.json.
#
#   benches/gas_report.sh            (needs solc-js: npm ci --prefix verifier-contract)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
cargo build --release --quiet -p zkinfer
zk="$root/target/release/zkinfer"
[ -d verifier-contract/node_modules/solc ] || npm ci --prefix verifier-contract --no-audit --no-fund --silent
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

for dir in models/*/; do
  name=$(basename "$dir")
  [ -f "$dir/model.onnx" ] && [ -f "$dir/input.json" ] || continue
  for objective in verifier prover; do
    echo "== $name ($objective)" >&2
    "$zk" bench "$dir/model.onnx" --input "$dir/input.json" --runs 1 --evm --optimize "$objective" --json > "$work/$name.$objective.json"
  done
done

python3 - "$work" <<'PY'
import glob, json, os, sys
sys.path.insert(0, "benches")
from doc_sections import replace_section
work = sys.argv[1]
# EZKL 23.0.5, public input and output, measured for issue 4 (whole transaction, Osaka)
ezkl = {"linear_regression": 549462, "logistic_regression": 640865, "mnist_mlp": 1252277}
rows = []
for path in sorted(glob.glob(os.path.join(work, "*.verifier.json"))):
    name = os.path.basename(path).split(".")[0]
    v = json.load(open(path))
    p = json.load(open(os.path.join(work, name + ".prover.json")))
    rows.append({"model": name, "verifier": v, "prover": p, "ezkl_gas": ezkl.get(name)})
json.dump(rows, open("docs/gas.json", "w"), indent=1)
limit = 24576
def size(b):
    return f"{b:,}" + ("" if b <= limit else " (over)")
lines = [
    "## Per-model verifiers",
    "",
    "Written by `benches/gas_report.sh`: every bundled model proved once and verified by its generated",
    "Solidity verifier (`Halo2Verifier`, raw calldata) on revm with Osaka rules; gas is the whole",
    "transaction (21,000 base and calldata included). Public input and outputs, fixed weights. EIP-170",
    f"limits runtime code to {limit:,} bytes. EZKL 23.0.5 with the same visibility where it was measured.",
    "",
    "| model | `--optimize verifier`: gas | runtime bytes | instances | k | prove s | max abs error | default layout: gas / bytes / instances | EZKL gas | ours / EZKL |",
    "|---|---|---|---|---|---|---|---|---|---|",
]
for r in rows:
    v, p, e = r["verifier"], r["prover"], r["ezkl_gas"]
    ratio = f"{v['evm_gas'] / e:.2f}×" if e else "—"
    lines.append(
        f"| {r['model']} | {v['evm_gas']:,} | {size(v['verifier_runtime_bytes'])} | {v['public_instances']} | {v['k']} | {v['prove_s']:.2f} | {v['max_abs_error']:.4f} "
        f"| {p['evm_gas']:,} / {size(p['verifier_runtime_bytes'])} / {p['public_instances']} | {f'{e:,}' if e else '—'} | {ratio} |"
    )
replace_section("docs/gas.md", "per-model verifiers", "benches/gas_report.sh", "\n".join(lines))
print("\n".join(lines))

# the reusable verifier beside the per-model one, in the same runs
def overhead(a, b):
    return f"{100 * (a / b - 1):+.1f}%"
shared = {r[l]["reusable_verifier_bytes"] for r in rows for l in ("verifier", "prover")}
reusable = [
    "## The reusable verifier",
    "",
    "Written by `benches/gas_report.sh`, in the same runs as the table above: the same proof verified by",
    f"`ZkinferReusableVerifier.verifyProof(key, proof, instances)` (one shared contract, {', '.join(f'{b:,}' for b in sorted(shared))} bytes",
    "of runtime code) under the model's key contract, beside the model's own verifier: `ZkinferVerifier.verifyProof`",
    "(the stable ABI) and the raw `Halo2Verifier`. Whole transactions on revm, Osaka rules.",
    "",
    "| model | layout | key bytes | reusable gas | per-model `verifyProof` gas | reusable vs `verifyProof` | raw `Halo2Verifier` gas | reusable vs raw |",
    "|---|---|---|---|---|---|---|---|",
]
worst = []
for r in rows:
    for layout, label in (("verifier", "`--optimize verifier`"), ("prover", "default")):
        x = r[layout]
        worst.append(x["reusable_gas"] / x["evm_verifyProof_gas"] - 1)
        reusable.append(
            f"| {r['model']} | {label} | {x['reusable_key_bytes']:,} | {x['reusable_gas']:,} | {x['evm_verifyProof_gas']:,} "
            f"| {overhead(x['reusable_gas'], x['evm_verifyProof_gas'])} | {x['evm_gas']:,} | {overhead(x['reusable_gas'], x['evm_gas'])} |"
        )
reusable += ["", f"Largest overhead against `verifyProof`: {100 * max(worst):+.1f}%; every key within {max(r[l]['reusable_key_bytes'] for r in rows for l in ('verifier', 'prover')):,} bytes."]
replace_section("docs/gas.md", "reusable verifier", "benches/gas_report.sh", "\n".join(reusable))
print("\n".join(reusable))
PY
