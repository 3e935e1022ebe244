"""The Python package against the CLI on bundled models, and Ray batch throughput; writes the
measurement table of docs/python.md (and the figures to docs/python-bench.json).

For each model: `zkinfer prove` as a process, the same proof as a Python process
(`python -c 'import zkinfer; zkinfer.prove(...)'`), and `Prover.prove` inside one process with
the key already loaded (what a notebook or a batch worker pays per proof). Medians of N runs.
Then examples/batch-proving with N = 32 borrowers on 1 and 2 Ray workers.

    python3 benches/python_api.py [runs]      (needs `pip install ./python[batch]` and a release build)
"""

import json
import pathlib
import statistics
import subprocess
import sys
import tempfile
import time

import zkinfer

ROOT = pathlib.Path(__file__).resolve().parents[1]
ZK = ROOT / "target" / "release" / "zkinfer"
MODELS = ["linear_regression", "credit_logistic", "mnist_mlp"]


def wall(command: list) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def median_of(runs: int, measure) -> float:
    return statistics.median(measure() for _ in range(runs))


def bench_model(name: str, folder: pathlib.Path, runs: int) -> dict:
    src = ROOT / "models" / name
    zkc, pk, x = folder / "m.zkc", folder / "pk.bin", src / "input.json"
    zkinfer.compile(src / "model.onnx", [x, src / "input2.json"], zkc)
    zkinfer.gen_srs(model=zkc, output=folder / "srs.bin")
    zkinfer.setup(zkc, folder / "srs.bin", pk, folder / "vk.bin")
    cli = [str(ZK), "prove", str(zkc), "--pk", str(pk), "--input", str(x), "-o", str(folder / "cli.json")]
    script = f"import zkinfer; zkinfer.prove({str(zkc)!r}, {str(pk)!r}, {str(x)!r}, {str(folder / 'py.json')!r})"
    prover = zkinfer.Prover(zkc, pk)
    wall(cli)  # warm the page cache
    return {
        "model": name,
        "k": zkinfer.inspect(zkc)["circuit"]["params"]["k"],
        "cli_process_s": median_of(runs, lambda: wall(cli)),
        "python_process_s": median_of(runs, lambda: wall([sys.executable, "-c", script])),
        "prover_prove_s": median_of(runs, lambda: prover.prove(x, reference=False)["prove_seconds"]),
        "prover_call_s": median_of(runs, lambda: timed(lambda: prover.prove(x, reference=False))),
        "key_load_s": prover.load_seconds,
    }


def timed(f) -> float:
    start = time.perf_counter()
    f()
    return time.perf_counter() - start


def ray_throughput(workers: int) -> dict:
    out = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "batch-proving" / "prove_batch.py"), "--n", "32", "--workers", str(workers), "--json"],
        check=True, capture_output=True, text=True,
    ).stdout.strip().splitlines()[-1]
    return json.loads(out)


def main(runs: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        models = []
        for name in MODELS:
            (pathlib.Path(tmp) / name).mkdir()
            models.append(bench_model(name, pathlib.Path(tmp) / name, runs))
    ray = [ray_throughput(w) for w in (1, 2)]
    (ROOT / "docs" / "python-bench.json").write_text(json.dumps({"runs": runs, "models": models, "ray": ray}, indent=2) + "\n")
    lines = [
        "| model | k | `zkinfer prove` process | Python process (`zkinfer.prove`) | `Prover.prove(reference=False)`, key loaded | of which proving | key load |",
        "|---|---|---|---|---|---|---|",
    ]
    for m in models:
        lines.append(
            f"| {m['model']} | {m['k']} | {m['cli_process_s']:.3f} s | {m['python_process_s']:.3f} s | "
            f"{m['prover_call_s']:.3f} s | {m['prover_prove_s']:.3f} s | {m['key_load_s']:.3f} s |"
        )
    lines.append("")
    for r in ray:
        lines.append(f"Ray, 32 proofs of the credit model, {r['workers']} worker(s): {r['seconds']:.1f} s, {r['proofs_per_minute']:.1f} proofs/minute (from the first actor's start to the last proof, keys shipped through the object store).")
    table = "\n".join(lines)
    print(table)
    doc = ROOT / "docs" / "python.md"
    text = doc.read_text()
    start, end = "<!-- measurements: written by benches/python_api.py -->", "<!-- /measurements -->"
    head, rest = text.split(start)
    doc.write_text(head + start + "\n" + table + "\n" + end + rest.split(end)[1])

if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
