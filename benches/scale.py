"""The scale benchmark: the models of benches/models (a 28x28 CNN, a CIFAR-size CNN at two widths,
a 1.86 M-parameter MLP, a credit MLP at batch 32, 256 and 1,024) through compile, setup, prove and
verify, each step a separate process; with `--ezkl`, EZKL 23 on the same files in the same run.

Per model: k, rows, prove time, peak RSS, proving-key size, one proof's time split beside its
floor (`zkinfer prove --report`, which also draws the rows-per-layer and breakdown charts into
docs/bench/<model>/), and the ratios to EZKL; the log-log slope of prove time against
multiply-adds over the CNN widths and over the batch sizes; charts of prove time and peak RSS
against multiply-adds (docs/img/). Writes docs/scale.json and its sections of docs/benchmarks.md
and docs/ezkl_comparison.md.

    benches/scale.sh [runs]              (installs EZKL in a venv, builds, runs this with --ezkl)
    python3 benches/scale.py [runs] [--ezkl] [--only a,b]   (needs a release build, onnx, numpy)
    python3 benches/scale.py --docs      (redraws the charts and sections from docs/scale.json)
"""

import json
import math
import os
import pathlib
import statistics
import subprocess
import sys
import tempfile
import time

import onnx
from onnx import numpy_helper, shape_inference

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from doc_sections import replace_section  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[1]
ZK = str(ROOT / "target" / "release" / "zkinfer")
PLOTS = str(ROOT / "target" / "release" / "scale-plots")
MODELS = ROOT / "benches" / "models"
SCRIPT = "benches/scale.sh"

DECODERS = ROOT / "out" / "bench-decoders"

# (label, ONNX model, first input, second input, batch, run EZKL beside); the decoders are the
# real-models issue's 2-layer causal decoder (d 32, 2 heads) at three sequence lengths
CASES = (
    [(m, MODELS / m / "model.onnx", MODELS / m / "input.json", MODELS / m / "input2.json", 1, m == "cnn28") for m in ("cnn28", "cifar_cnn", "cifar_cnn_x2", "mlp_1m")]
    + [(f"credit_mlp_b{n}", MODELS / "credit_mlp" / "model.onnx", MODELS / "credit_mlp" / f"input_b{n}.json", MODELS / "credit_mlp" / f"input2_b{n}.json", n, n <= 256) for n in (32, 256, 1024)]
    + [(f"decoder_seq{n}", DECODERS / f"decoder_2l_seq{n}.onnx", DECODERS / f"decoder_2l_seq{n}.json", DECODERS / f"decoder_2l_seq{n}_2.json", 1, False) for n in (16, 64, 128)]
)


def multiply_adds(model_path: pathlib.Path, batch: int) -> int:
    """Multiply-adds of the Conv, Gemm and MatMul nodes, from ONNX shape inference (batch fixed)."""
    model = onnx.load(str(model_path))
    for dim in model.graph.input[0].type.tensor_type.shape.dim:
        if dim.dim_param:
            dim.dim_value = batch
    model = shape_inference.infer_shapes(model)
    values = list(model.graph.input) + list(model.graph.value_info) + list(model.graph.output)
    shapes = {v.name: [d.dim_value for d in v.type.tensor_type.shape.dim] for v in values}
    shapes.update({t.name: list(numpy_helper.to_array(t).shape) for t in model.graph.initializer})
    total = 0
    for node in model.graph.node:
        out = shapes[node.output[0]]
        if node.op_type == "Conv":
            _, c_in, *window = shapes[node.input[1]]
            total += math.prod(out) * c_in * math.prod(window)
        elif node.op_type == "Gemm":
            fan_in, fan_out = shapes[node.input[1]]
            total += out[0] * fan_in * fan_out
        elif node.op_type == "MatMul":
            total += math.prod(out) * shapes[node.input[0]][-1]
    return total


def measured(command: list) -> tuple:
    """(seconds, peak RSS in MiB) of a command, from GNU time."""
    with tempfile.NamedTemporaryFile("r") as out:
        start = time.perf_counter()
        subprocess.run(["/usr/bin/time", "-f", "%M", "-o", out.name] + command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        seconds = time.perf_counter() - start
        return seconds, int(out.read().strip().splitlines()[-1]) / 1024


def ours(label, model: pathlib.Path, first, second, runs, work: pathlib.Path) -> dict:
    zkc, pk, vk, proof = work / f"{label}.zkc", work / "pk.bin", work / "vk.bin", work / "proof.json"
    inputs = ["--input", str(first), "--input", str(second)]
    compile_s, _ = measured([ZK, "compile", str(model)] + inputs + ["-o", str(zkc)])
    info = json.loads(subprocess.run([ZK, "inspect", str(zkc), "--json"], check=True, capture_output=True, text=True).stdout)
    k = info["circuit"]["params"]["k"]
    srs = work / f"srs{k}.bin"
    if not srs.exists():
        subprocess.run([ZK, "srs", "gen", "--k", str(k), "-o", str(srs)], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    setup_s, setup_rss = measured([ZK, "setup", str(zkc), "--srs", str(srs), "--pk", str(pk), "--vk", str(vk)])
    proofs = [measured([ZK, "prove", str(zkc), "--pk", str(pk), "--input", str(first), "-o", str(proof)]) for _ in range(runs)]
    verify_s, _ = measured([ZK, "verify", "--vk", str(vk), "--proof", str(proof)])
    # one more proof with the same key, split into its parts beside the floor, with the charts
    report_dir = ROOT / "docs" / "bench" / label
    profiled = [ZK, "--json", "prove", str(zkc), "--pk", str(pk), "--input", str(first), "-o", str(work / "profiled.json"), "--report", str(report_dir)]
    bench = json.loads(subprocess.run(profiled, check=True, capture_output=True, text=True).stdout)
    return {
        "k": k,
        "rows": info["circuit"]["used_rows"],
        "advice_columns": info["circuit"]["advice_columns"],
        "freivalds": info["circuit"]["params"]["freivalds"],
        "compile_s": compile_s,
        "setup_s": setup_s,
        "setup_peak_rss_mib": setup_rss,
        "prove_s": statistics.median(t for t, _ in proofs),
        "prove_rss_mib": statistics.median(m for _, m in proofs),
        "pk_mb": pk.stat().st_size / 1e6,
        "verify_s": verify_s,
        "proof_bytes": len(json.loads(proof.read_text())["proof"]) // 2,
        "max_abs_error": max(o["max_abs_error"] for o in info["accuracy"]["outputs"]),
        "profile": bench["profile"],
    }


def theirs(model: pathlib.Path, first, batch, work) -> dict:
    import ezkl_side_by_side

    variables = [("N", batch)] if batch > 1 else []
    return dict(ezkl_side_by_side.run_ezkl(str(model), str(first), work, variables), runs=ezkl_side_by_side.RUNS)


def slope(rows: list) -> float:
    """Least-squares slope of log(prove time) against log(multiply-adds)."""
    xs = [math.log(r["multiply_adds"]) for r in rows]
    ys = [math.log(r["zkinfer"]["prove_s"]) for r in rows]
    mx, my = statistics.mean(xs), statistics.mean(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)


def run(runs: int, with_ezkl: bool, only) -> dict:
    if not (MODELS / "mlp_1m" / "model.onnx").exists():
        subprocess.run([sys.executable, str(MODELS / "make_bench_models.py")], check=True)
    if not (DECODERS / "decoder_2l_seq128.onnx").exists():
        subprocess.run([sys.executable, str(ROOT / "models" / "make_decoders.py"), "--bench", str(DECODERS)], check=True)
    results = []
    for label, model, first, second, batch, ezkl_too in CASES:
        if only and label not in only:
            continue
        row = {"model": label, "batch": batch, "runs": runs, "multiply_adds": multiply_adds(model, batch)}
        with tempfile.TemporaryDirectory() as w1, tempfile.TemporaryDirectory() as w2:
            print(f"== {label}: zkinfer", flush=True)
            row["zkinfer"] = ours(label, model, first, second, runs, pathlib.Path(w1))
            if with_ezkl and ezkl_too:
                print(f"== {label}: ezkl", flush=True)
                row["ezkl"] = theirs(model, first, batch, w2)
        print(json.dumps(row), flush=True)
        results.append(row)
    return {"runs": runs, "cores": os.cpu_count(), "date": time.strftime("%Y-%m-%d"), "models": results}


def merged(data: dict) -> dict:
    """A partial run (--only) replaces those models' rows of docs/scale.json and keeps the rest."""
    path = ROOT / "docs" / "scale.json"
    if not path.exists():
        return data
    fresh = {r["model"] for r in data["models"]}
    old = json.loads(path.read_text())
    kept = [dict(r, runs=r.get("runs", old["runs"])) for r in old["models"] if r["model"] not in fresh]
    # EZKL's recorded failure on a model it is no longer run on (the CIFAR CNN: its k = 22 setup
    # runs out of this machine's memory after a quarter of an hour) stays beside the new row
    failures = {r["model"]: r["ezkl"] for r in old["models"] if "failed" in r.get("ezkl", {})}
    for r in data["models"]:
        if "ezkl" not in r and r["model"] in failures:
            r["ezkl"] = failures[r["model"]]
    order = [c[0] for c in CASES]
    data["models"] = sorted(kept + data["models"], key=lambda r: order.index(r["model"]) if r["model"] in order else len(order))
    return data


def fmt(v, spec):
    return format(v, spec) if isinstance(v, (int, float)) else "—"


def benchmarks_section(data: dict) -> str:
    by = {r["model"]: r for r in data["models"]}
    lines = [
        f"Produced by `{SCRIPT}` on {data['cores']} cores, {data['date']} (a partial run keeps the other rows). Whole-process figures (GNU time);",
        "prove time and peak RSS are medians of the `runs` column's proofs. `freivalds`: the layout checks its batched matrix",
        "products by a random challenge (`docs/security.md`). Breakdown: one more proof with the same key (`zkinfer prove --report`),",
        "split into synthesis with the advice commitments and the rest (lookups, permutation, quotient, openings), set",
        "beside its floor: the commitments' MSMs and the extended-domain FFTs the circuit needs, each measured at its k.",
        "",
        "| model | multiply-adds | k | rows | advice | freivalds | setup s | runs | prove s | prove RSS MiB | pk MB | verify s | advice / rest s | floor s | × floor | max abs error |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in data["models"]:
        o, p = r["zkinfer"], r["zkinfer"]["profile"]
        lines.append(
            f"| {r['model']} | {r['multiply_adds']:,} | {o['k']} | {o['rows']:,} | {o['advice_columns']} | {o['freivalds']} | {o['setup_s']:.2f} "
            f"| {r['runs']} | {o['prove_s']:.2f} | {o['prove_rss_mib']:.0f} | {o['pk_mb']:.0f} | {o['verify_s']:.3f} | {p['advice_s']:.2f} / {p['rest_s']:.2f} "
            f"| {p['floor']['floor_s']:.2f} | {p['total_s'] / p['floor']['floor_s']:.1f} | {o['max_abs_error']:.4f} |"
        )
    slopes = []
    if all(m in by for m in ("cifar_cnn", "cifar_cnn_x2")):
        slopes.append(f"CNN widths {slope([by['cifar_cnn'], by['cifar_cnn_x2']]):.2f}")
    batches = [by[m] for m in ("credit_mlp_b32", "credit_mlp_b256", "credit_mlp_b1024") if m in by]
    if len(batches) >= 2:
        slopes.append(f"batch sizes {slope(batches):.2f}")
    decoders = [by[m] for m in ("decoder_seq16", "decoder_seq64", "decoder_seq128") if m in by]
    if len(decoders) >= 2:
        slopes.append(f"decoder sequence lengths {slope(decoders):.2f}")
    if slopes:
        lines += ["", f"Log-log slope of prove time against multiply-adds: {', '.join(slopes)} (1.0 is linear)."]
    lines += [
        "",
        "![prove time against multiply-adds](img/scale_prove_time.svg)",
        "",
        "![peak RSS against multiply-adds](img/scale_peak_rss.svg)",
        "",
        "Per model, `docs/bench/<model>/` holds the rows-per-layer chart and the breakdown against the floor, for example:",
        "",
        "![cifar_cnn rows per layer](bench/cifar_cnn/rows_by_layer.svg)",
        "",
        "![cifar_cnn prove-time breakdown](bench/cifar_cnn/prove_breakdown.svg)",
    ]
    return "\n".join(lines)


def ezkl_section(data: dict) -> str:
    ratio = lambda a, b: f"{a / b:.3f}" if isinstance(a, (int, float)) and isinstance(b, (int, float)) and b else "—"
    lines = [
        f"Produced by `{SCRIPT}` on {data['cores']} cores, {data['date']}: each row's two tools in one run, on the same ONNX",
        "files and inputs (EZKL: public input and output, fixed parameters, calibrated with its `resources` target, its steps'",
        "address space capped so that running out of memory is an error; its prove figure is the median of the proofs in",
        "`runs`, EZKL's first). Ratio = zkinfer / EZKL.",
        "",
        "| model | multiply-adds | runs (EZKL / ours) | k (ours / EZKL) | rows (ours / EZKL) | prove s (ours / EZKL) | ratio | prove RSS MiB (ours / EZKL) | ratio | pk MB (ours / EZKL) | max abs error (ours / EZKL) |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    failures = []
    for r in data["models"]:
        o, e = r["zkinfer"], r.get("ezkl")
        if e is None:
            continue
        if "failed" in e:
            failures.append((r["model"], e["failed"]))
            lines.append(
                f"| {r['model']} | {r['multiply_adds']:,} | — / {r['runs']} | {o['k']} / {e.get('k', '—')} | {o['rows']:,} / — | {o['prove_s']:.2f} / EZKL failed (below) | — "
                f"| {o['prove_rss_mib']:.0f} / — | — | {o['pk_mb']:.0f} / — | {o['max_abs_error']:.4f} / — |"
            )
            continue
        lines.append(
            f"| {r['model']} | {r['multiply_adds']:,} | {e.get('runs', '—')} / {r['runs']} | {o['k']} / {e['k']} | {o['rows']:,} / {fmt(e.get('rows'), ',')} | {o['prove_s']:.2f} / {e['prove_s']:.2f} "
            f"| {ratio(o['prove_s'], e['prove_s'])} | {o['prove_rss_mib']:.0f} / {e['prove_rss_mib']:.0f} | {ratio(o['prove_rss_mib'], e['prove_rss_mib'])} "
            f"| {o['pk_mb']:.0f} / {fmt(e.get('pk_mb'), '.0f')} | {o['max_abs_error']:.4f} / {fmt(e.get('max_abs_error'), '.4f')} |"
        )
    by = {r["model"]: r for r in data["models"]}
    cnn28 = by.get("cnn28", {}).get("ezkl", {})
    if "cifar_cnn" in by and "prove_s" in cnn28:
        lines += ["", f"The CIFAR-size CNN proves in {ratio(by['cifar_cnn']['zkinfer']['prove_s'], cnn28['prove_s'])}× of the time EZKL takes for the 28×28 CNN in the same run."]
    if failures:
        lines += ["", "Where EZKL failed, in its own words:", ""] + [f"- {m}: `{why}`" for m, why in failures]
    return "\n".join(lines)


def main() -> None:
    args = sys.argv[1:]
    with_ezkl = "--ezkl" in args
    only = None
    if "--only" in args:
        only = set(args[args.index("--only") + 1].split(","))
        args = [a for i, a in enumerate(args) if a != "--only" and (i == 0 or args[i - 1] != "--only")]
    runs = int(next((a for a in args if a.isdigit()), "3"))
    path = ROOT / "docs" / "scale.json"
    if "--docs" in args:
        # only redraw the charts and rewrite the sections from docs/scale.json
        data = json.loads(path.read_text())
    else:
        data = run(runs, with_ezkl, only)
        if only:
            data = merged(data)
        path.write_text(json.dumps(data, indent=2) + "\n")
    subprocess.run([PLOTS, str(path), str(ROOT / "docs" / "img")], check=True)
    replace_section(ROOT / "docs" / "benchmarks.md", "scale models", SCRIPT, benchmarks_section(data))
    replace_section(ROOT / "docs" / "ezkl_comparison.md", "scale models", SCRIPT, ezkl_section(data))
    print(benchmarks_section(data))
    print(ezkl_section(data))


if __name__ == "__main__":
    main()
