"""The scale benchmark: the models of benches/models (a CIFAR-size CNN at two widths, a
1.86 M-parameter MLP, a credit MLP at batch 32, 256 and 1,024) through compile, setup, prove and
verify, with k, rows, prove time, peak RSS and proving-key size; and the log-log slope of prove
time against multiply-adds over the CNN widths and over the batch sizes. Writes docs/scale.md
and docs/scale.json.

    python3 benches/scale.py [runs]      (needs a release build and `onnx`, `numpy`)
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

ROOT = pathlib.Path(__file__).resolve().parents[1]
ZK = str(ROOT / "target" / "release" / "zkinfer")
MODELS = ROOT / "benches" / "models"

# (label, folder, first input, second input, batch)
CASES = [
    ("cifar_cnn", "cifar_cnn", "input.json", "input2.json", 1),
    ("cifar_cnn_x2", "cifar_cnn_x2", "input.json", "input2.json", 1),
    ("mlp_1m", "mlp_1m", "input.json", "input2.json", 1),
] + [(f"credit_mlp_b{n}", "credit_mlp", f"input_b{n}.json", f"input2_b{n}.json", n) for n in (32, 256, 1024)]


def multiply_adds(model_path: pathlib.Path, batch: int) -> int:
    """Multiply-adds of the Conv and Gemm nodes, from ONNX shape inference (batch fixed)."""
    model = onnx.load(str(model_path))
    for dim in model.graph.input[0].type.tensor_type.shape.dim:
        if dim.dim_param:
            dim.dim_value = batch
    model = shape_inference.infer_shapes(model)
    shapes = {v.name: [d.dim_value for d in v.type.tensor_type.shape.dim] for v in list(model.graph.value_info) + list(model.graph.output)}
    weights = {t.name: numpy_helper.to_array(t).shape for t in model.graph.initializer}
    total = 0
    for node in model.graph.node:
        if node.op_type == "Conv":
            out = shapes[node.output[0]]
            _, c_in, kh, kw = weights[node.input[1]]
            total += math.prod(out) * c_in * kh * kw
        elif node.op_type == "Gemm":
            rows = shapes[node.output[0]][0]
            fan_in, fan_out = weights[node.input[1]]
            total += rows * fan_in * fan_out
    return total


def measured(command: list) -> tuple:
    """(seconds, peak RSS in MiB) of a command, from GNU time."""
    with tempfile.NamedTemporaryFile("r") as out:
        start = time.perf_counter()
        subprocess.run(["/usr/bin/time", "-f", "%M", "-o", out.name] + command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        seconds = time.perf_counter() - start
        return seconds, int(out.read().strip().splitlines()[-1]) / 1024


def bench(label, folder, first, second, batch, runs, work: pathlib.Path) -> dict:
    src = MODELS / folder
    zkc, pk, vk, proof = work / f"{label}.zkc", work / "pk.bin", work / "vk.bin", work / "proof.json"
    subprocess.run([ZK, "compile", str(src / "model.onnx"), "--input", str(src / first), "--input", str(src / second), "-o", str(zkc)], check=True, stdout=subprocess.DEVNULL)
    info = json.loads(subprocess.run([ZK, "inspect", str(zkc), "--json"], check=True, capture_output=True, text=True).stdout)
    k = info["circuit"]["params"]["k"]
    srs = work / f"srs{k}.bin"
    if not srs.exists():
        subprocess.run([ZK, "srs", "gen", "--k", str(k), "-o", str(srs)], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    setup_s, setup_rss = measured([ZK, "setup", str(zkc), "--srs", str(srs), "--pk", str(pk), "--vk", str(vk)])
    proofs = [measured([ZK, "prove", str(zkc), "--pk", str(pk), "--input", str(src / first), "-o", str(proof)]) for _ in range(runs)]
    verify_s, _ = measured([ZK, "verify", "--vk", str(vk), "--proof", str(proof)])
    return {
        "model": label,
        "multiply_adds": multiply_adds(src / "model.onnx", batch),
        "k": k,
        "rows": info["circuit"]["used_rows"],
        "freivalds": info["circuit"]["params"]["freivalds"],
        "setup_s": setup_s,
        "setup_peak_rss_mib": setup_rss,
        "prove_s": statistics.median(t for t, _ in proofs),
        "prove_peak_rss_mib": statistics.median(m for _, m in proofs),
        "pk_mb": pk.stat().st_size / 1e6,
        "verify_s": verify_s,
        "max_abs_error": max(o["max_abs_error"] for o in info["accuracy"]["outputs"]),
    }


def slope(rows: list) -> float:
    """Least-squares slope of log(prove time) against log(multiply-adds)."""
    xs = [math.log(r["multiply_adds"]) for r in rows]
    ys = [math.log(r["prove_s"]) for r in rows]
    mx, my = statistics.mean(xs), statistics.mean(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)


def main(runs: int) -> None:
    if not (MODELS / "mlp_1m" / "model.onnx").exists():
        subprocess.run([sys.executable, str(MODELS / "make_bench_models.py")], check=True)
    with tempfile.TemporaryDirectory() as tmp:
        results = [bench(*case, runs, pathlib.Path(tmp)) for case in CASES]
    by = {r["model"]: r for r in results}
    slopes = {
        "cnn_widths": slope([by["cifar_cnn"], by["cifar_cnn_x2"]]),
        "batch_sizes": slope([by[f"credit_mlp_b{n}"] for n in (32, 256, 1024)]),
    }
    (ROOT / "docs" / "scale.json").write_text(json.dumps({"runs": runs, "cores": os.cpu_count(), "models": results, "slopes": slopes}, indent=2) + "\n")
    lines = [
        "# Scale benchmark",
        "",
        f"Produced by `python3 benches/scale.py {runs}` on {os.cpu_count()} cores, {time.strftime('%Y-%m-%d')}. Whole-process figures",
        f"(GNU time); prove time and peak RSS are medians of {runs} proofs. `freivalds`: the layout checks its",
        "batched matrix products by a random challenge (`docs/security.md`).",
        "",
        "| model | multiply-adds | k | rows | freivalds | setup s | setup RSS MiB | prove s | prove RSS MiB | pk MB | verify s | max abs error |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        lines.append(f"| {r['model']} | {r['multiply_adds']:,} | {r['k']} | {r['rows']:,} | {r['freivalds']} | {r['setup_s']:.2f} | {r['setup_peak_rss_mib']:.0f} | {r['prove_s']:.2f} | {r['prove_peak_rss_mib']:.0f} | {r['pk_mb']:.0f} | {r['verify_s']:.3f} | {r['max_abs_error']:.4f} |")
    lines += ["", f"Log-log slope of prove time against multiply-adds: CNN widths {slopes['cnn_widths']:.2f}, batch sizes {slopes['batch_sizes']:.2f} (1.0 is linear).", ""]
    (ROOT / "docs" / "scale.md").write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
