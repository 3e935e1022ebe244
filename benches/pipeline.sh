#!/usr/bin/env bash
# Whole-pipeline benchmark over every bundled model: compile, setup, prove (median of N runs),
# verify; records k, rows, columns, times, peak RSS of proving, proof size and the error against
# the float reference. Writes its section of docs/benchmarks.md, and docs/benchmarks.json.
#
#   benches/pipeline.sh [runs]     (default 3 proofs per model)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
runs=${1:-3}
cargo build --release --quiet -p zkinfer
zk="$root/target/release/zkinfer"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
command -v /usr/bin/time >/dev/null || { echo "needs GNU time (apt-get install time)" >&2; exit 1; }

# runs a command under GNU time; prints "seconds max_rss_kib"
measure() { /usr/bin/time -f "%e %M" -o "$work/time" "$@" >/dev/null; cat "$work/time"; }
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
json_field() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))" "$@"; }

rows_md=""
json="["
for dir in models/*/; do
  name=$(basename "$dir")
  [ -f "$dir/model.onnx" ] && [ -f "$dir/input.json" ] || continue
  [ "$name" = fixtures ] && continue
  inputs=(--input "$dir/input.json")
  [ -f "$dir/input2.json" ] && inputs+=(--input "$dir/input2.json")
  read -r compile_s _ < <(measure "$zk" compile "$dir/model.onnx" "${inputs[@]}" -o "$work/$name.zkc")
  "$zk" inspect "$work/$name.zkc" --json > "$work/$name.inspect.json"
  k=$(json_field "$work/$name.inspect.json" "d['circuit']['params']['k']")
  "$zk" srs gen --k "$k" -o "$work/srs.bin" 2>/dev/null
  read -r setup_s _ < <(measure "$zk" setup "$work/$name.zkc" --srs "$work/srs.bin" --pk "$work/pk.bin" --vk "$work/vk.bin")
  : > "$work/prove_times"; : > "$work/prove_rss"
  for _ in $(seq "$runs"); do
    read -r t m < <(measure "$zk" prove "$work/$name.zkc" --pk "$work/pk.bin" --input "$dir/input.json" -o "$work/proof.json")
    echo "$t" >> "$work/prove_times"; echo "$m" >> "$work/prove_rss"
  done
  prove_s=$(median < "$work/prove_times"); prove_rss=$(median < "$work/prove_rss")
  read -r verify_s _ < <(measure "$zk" verify --vk "$work/vk.bin" --proof "$work/proof.json")
  proof_bytes=$(json_field "$work/proof.json" "len(d['proof'])//2")
  rows=$(json_field "$work/$name.inspect.json" "d['circuit']['used_rows']")
  advice=$(json_field "$work/$name.inspect.json" "d['circuit']['advice_columns']")
  fixed=$(json_field "$work/$name.inspect.json" "d['circuit']['fixed_columns']")
  lookups=$(json_field "$work/$name.inspect.json" "d['circuit']['lookup_arguments']")
  width=$(json_field "$work/$name.inspect.json" "d['circuit']['params']['width']")
  err=$(json_field "$work/$name.inspect.json" "max(o['max_abs_error'] for o in d['accuracy']['outputs'])")
  rel=$(json_field "$work/$name.inspect.json" "max(o['max_rel_error'] for o in d['accuracy']['outputs'])")
  rows_md+="| $name | $k | $rows | $width | $advice | $fixed | $lookups | $compile_s | $setup_s | $prove_s | $((prove_rss / 1024)) | $proof_bytes | $verify_s | $(printf '%.4f' "$err") ($(awk -v r="$rel" 'BEGIN { printf "%.2f", r * 100 }')%) |"$'\n'
  json+="{\"model\":\"$name\",\"k\":$k,\"rows\":$rows,\"width\":$width,\"advice_columns\":$advice,\"fixed_columns\":$fixed,\"lookup_arguments\":$lookups,\"compile_s\":$compile_s,\"setup_s\":$setup_s,\"prove_s\":$prove_s,\"prove_peak_rss_kib\":$prove_rss,\"proof_bytes\":$proof_bytes,\"verify_s\":$verify_s,\"max_abs_error\":$err,\"max_rel_error\":$rel},"
done
json="${json%,}]"

python3 benches/doc_sections.py docs/benchmarks.md "bundled models" benches/pipeline.sh > /dev/null <<MD
Produced by \`benches/pipeline.sh $runs\` on $(nproc) cores, $(date -u +%Y-%m-%d). Whole-process
figures from GNU time; prove time and peak RSS are the median of $runs proofs. Times in seconds,
RSS in MiB. Error: largest absolute difference between the quantized circuit's output and the
float reference (tract's run, or onnxruntime outputs recorded beside the scikit-learn models) over
the calibration inputs (relative to the output's largest magnitude).

| model | k | rows | width | advice | fixed | lookups | compile | setup | prove | prove RSS | proof B | verify | max abs error |
|---|---|---|---|---|---|---|---|---|---|---|---|---|---|
${rows_md}
MD
echo "$json" | python3 -m json.tool > docs/benchmarks.json
cat docs/benchmarks.md
