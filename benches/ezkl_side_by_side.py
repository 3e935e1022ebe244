#!/usr/bin/env python3
"""zkinfer and EZKL side by side on the bundled models, in one run on this machine.

    benches/ezkl_side_by_side.sh            (creates a venv with ezkl 23.x, then runs this)

For each model in models/ (with input.json): EZKL's pipeline (public input and output, fixed
parameters, calibrated with the "resources" target, a locally generated SRS at the k it picks) and
zkinfer's (compile, srs gen, setup, prove, verify), each step a separate process timed by GNU time.
Prove time and peak RSS are the median of RUNS proofs. The error is the largest absolute difference
between the proved output and the float output (onnxruntime for EZKL; zkinfer reports tract's).
Writes its section of docs/ezkl_comparison.md, and docs/ezkl_comparison.json; benches/scale.py
imports run_ezkl for the scale models.
"""
import asyncio
import inspect
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile

from doc_sections import replace_section

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ZK = os.path.join(ROOT, "target", "release", "zkinfer")
RUNS = int(os.environ.get("RUNS", "3"))
STEP_TIMEOUT = int(os.environ.get("STEP_TIMEOUT", "900"))
# EZKL's steps run with their address space capped below this machine's memory, so a step that
# would exhaust it (EZKL's setup of the CIFAR-size CNN) fails with an error instead of stalling
# the machine.
EZKL_MEMORY_GIB = float(os.environ.get("EZKL_MEMORY_GIB", "20"))


def cap_memory():
    limit = int(EZKL_MEMORY_GIB * 2**30)
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def timed(cmd, capped=False):
    """Runs cmd under GNU time; returns (ok, seconds, peak RSS in MiB, stdout)."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as t:
        try:
            p = subprocess.run(
                ["/usr/bin/time", "-f", "%e %M", "-o", t.name] + cmd,
                capture_output=True, text=True, timeout=STEP_TIMEOUT, preexec_fn=cap_memory if capped else None,
            )
        except subprocess.TimeoutExpired:
            return False, float(STEP_TIMEOUT), 0.0, f"timeout after {STEP_TIMEOUT} s"
        fields = open(t.name).read().split()
        secs, kib = (float(fields[-2]), float(fields[-1])) if len(fields) >= 2 else (0.0, 0.0)
        out = p.stdout + p.stderr
        if p.returncode in (-9, 137) or "memory allocation" in out:
            out += f"\nout of memory (address space capped at {EZKL_MEMORY_GIB:g} GiB on this machine)"
        return p.returncode == 0, secs, kib / 1024, out


def ezkl_step(step, *args):
    """One EZKL step, run in this interpreter (used as a subprocess target)."""
    import ezkl

    def call(f, *a, **kw):
        r = f(*a, **kw)
        return asyncio.run(r) if inspect.isawaitable(r) else r

    if step == "settings":
        model, data, settings, variables = args
        ra = ezkl.PyRunArgs()
        ra.input_visibility, ra.output_visibility, ra.param_visibility = "public", "public", "fixed"
        if json.loads(variables):
            ra.variables = [tuple(v) for v in json.loads(variables)]
        call(ezkl.gen_settings, model, settings, py_run_args=ra)
        call(ezkl.calibrate_settings, data, model, settings, "resources")
    elif step == "compile":
        call(ezkl.compile_circuit, *args)
    elif step == "srs":
        call(ezkl.gen_srs, args[0], int(args[1]))
    elif step == "setup":
        call(ezkl.setup, *args)
    elif step == "witness":
        call(ezkl.gen_witness, *args)
    elif step == "prove":
        witness, compiled, pk, proof, srs = args
        call(ezkl.prove, witness, compiled, pk, proof, srs)
    elif step == "verify":
        proof, settings, vk, srs = args
        assert call(ezkl.verify, proof, settings, vk, srs)


def float_outputs(model, data, variables=()):
    import numpy as np
    import onnxruntime as ort

    s = ort.InferenceSession(model)
    inp = s.get_inputs()[0]
    sizes = dict(variables)
    shape = [d if isinstance(d, int) else sizes.get(d, 1) for d in inp.shape]
    x = np.array(json.load(open(data))["input_data"][0], dtype=np.float32).reshape(shape)
    return [o.ravel().tolist() for o in s.run(None, {inp.name: x})]


def last_line(out):
    return out.strip().splitlines()[-1] if out.strip() else "error"


def run_ezkl(model, data, work, variables=(), error=True):
    """EZKL's pipeline on one model; `variables` fixes symbolic dimensions, as [("N", 256)];
    `error`: also its largest error against onnxruntime's run."""
    py = sys.executable
    me = os.path.abspath(__file__)
    f = lambda name: os.path.join(work, name)
    res = {}
    steps = [
        ("settings", [model, data, f("settings.json"), json.dumps(list(variables))]),
        ("compile", [model, f("model.compiled"), f("settings.json")]),
    ]
    for name, args in steps:
        ok, secs, _, out = timed([py, me, "--ezkl-step", name] + args, capped=True)
        if not ok:
            return {"failed": f"{name}: {last_line(out)}"}
        res[f"{name}_s"] = secs
    settings = json.load(open(f("settings.json")))
    k = settings["run_args"]["logrows"]
    res["k"] = k
    for name, args in [("srs", [f("srs"), str(k)]), ("witness", [data, f("model.compiled"), f("witness.json")]), ("setup", [f("model.compiled"), f("vk"), f("pk"), f("srs")])]:
        ok, secs, mib, out = timed([py, me, "--ezkl-step", name] + args, capped=True)
        if not ok:
            return {"failed": f"{name}: {last_line(out)}", "k": k}
        res[f"{name}_s"] = secs
        res[f"{name}_rss_mib"] = mib
    times, rss = [], []
    for _ in range(RUNS):
        ok, secs, mib, out = timed([py, me, "--ezkl-step", "prove", f("witness.json"), f("model.compiled"), f("pk"), f("proof.json"), f("srs")], capped=True)
        if not ok:
            return {"failed": f"prove: {last_line(out)}", "k": k}
        times.append(secs)
        rss.append(mib)
    res["prove_s"], res["prove_rss_mib"] = statistics.median(times), statistics.median(rss)
    ok, secs, _, out = timed([py, me, "--ezkl-step", "verify", f("proof.json"), f("settings.json"), f("vk"), f("srs")], capped=True)
    res["verified"] = ok
    proof = json.load(open(f("proof.json")))
    res["proof_bytes"] = len(bytes.fromhex(proof["proof"][2:] if proof["proof"].startswith("0x") else proof["proof"])) if isinstance(proof.get("proof"), str) else len(proof.get("proof", []))
    witness = json.load(open(f("witness.json")))
    outs = witness.get("pretty_elements", {}).get("rescaled_outputs", [])
    res["pk_mb"] = os.path.getsize(f("pk")) / 1e6
    res["rows"] = settings.get("num_rows")
    if not error:
        return res
    ref = float_outputs(model, data, variables)
    res["max_abs_error"] = max((abs(float(a) - b) for o, r in zip(outs, ref) for a, b in zip(o, r)), default=None)
    return res


def run_zkinfer(model_dir, work):
    f = lambda name: os.path.join(work, name)
    inputs = ["--input", os.path.join(model_dir, "input.json")]
    if os.path.exists(os.path.join(model_dir, "input2.json")):
        inputs += ["--input", os.path.join(model_dir, "input2.json")]
    res = {}
    ok, res["compile_s"], _, out = timed([ZK, "compile", os.path.join(model_dir, "model.onnx")] + inputs + ["-o", f("m.zkc")])
    if not ok:
        return {"failed": out.strip().splitlines()[-1]}
    info = json.loads(subprocess.run([ZK, "inspect", f("m.zkc"), "--json"], capture_output=True, text=True).stdout)
    res["k"] = info["circuit"]["params"]["k"]
    res["max_abs_error"] = max(o["max_abs_error"] for o in info["accuracy"]["outputs"])
    subprocess.run([ZK, "srs", "gen", "--k", str(res["k"]), "-o", f("srs.bin")], capture_output=True)
    ok, res["setup_s"], _, out = timed([ZK, "setup", f("m.zkc"), "--srs", f("srs.bin"), "--pk", f("pk.bin"), "--vk", f("vk.bin")])
    times, rss = [], []
    for _ in range(RUNS):
        ok, secs, mib, out = timed([ZK, "prove", f("m.zkc"), "--pk", f("pk.bin"), "--input", os.path.join(model_dir, "input.json"), "-o", f("proof.json")])
        if not ok:
            return {"failed": out.strip().splitlines()[-1], "k": res["k"]}
        times.append(secs)
        rss.append(mib)
    res["prove_s"], res["prove_rss_mib"] = statistics.median(times), statistics.median(rss)
    ok, res["verify_s"], _, _ = timed([ZK, "verify", "--vk", f("vk.bin"), "--proof", f("proof.json")])
    res["verified"] = ok
    res["proof_bytes"] = len(json.load(open(f("proof.json")))["proof"]) // 2
    return res


def main():
    models = sorted(d for d in os.listdir(os.path.join(ROOT, "models")) if os.path.exists(os.path.join(ROOT, "models", d, "input.json")))
    only = os.environ.get("MODELS")
    if only:
        models = [m for m in models if m in only.split(",")]
        if not models:
            sys.exit(f"MODELS={only} names no bundled model")
    rows = []
    for m in models:
        d = os.path.join(ROOT, "models", m)
        with tempfile.TemporaryDirectory() as w1, tempfile.TemporaryDirectory() as w2:
            print(f"== {m}: zkinfer", flush=True)
            ours = run_zkinfer(d, w1)
            print(f"== {m}: ezkl", flush=True)
            theirs = run_ezkl(os.path.join(d, "model.onnx"), os.path.join(d, "input.json"), w2)
        rows.append({"model": m, "zkinfer": ours, "ezkl": theirs})
        print(json.dumps(rows[-1]), flush=True)
    path = os.path.join(ROOT, "docs", "ezkl_comparison.json")
    if only and os.path.exists(path):
        # a partial run replaces those models' rows and keeps the others
        fresh = {r["model"] for r in rows}
        rows = sorted([r for r in json.load(open(path)) if r["model"] not in fresh] + rows, key=lambda r: r["model"])
    json.dump(rows, open(path, "w"), indent=2)
    write_markdown(rows)


def write_markdown(rows):
    ratio = lambda a, b: f"{a / b:.2f}" if a and b else "—"
    fmt = lambda v, spec: format(v, spec) if isinstance(v, (int, float)) else "—"
    lines = [
        f"Produced by `benches/ezkl_side_by_side.sh` on {os.cpu_count()} cores: both tools in the same run, on the same ONNX files and",
        f"inputs; public input and output, fixed parameters; EZKL calibrated with its `resources` target and a local SRS at the k it",
        f"chooses. Whole-process figures from GNU time; prove time and peak RSS are the median of {RUNS} proofs. Ratio = zkinfer / EZKL",
        "(below 1 is better for zkinfer). Error: largest |proved output − float output|.",
        "",
        "| model | k (ours / EZKL) | prove s (ours / EZKL) | ratio | prove RSS MiB (ours / EZKL) | ratio | proof B (ours / EZKL) | max abs error (ours / EZKL) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        o, e = r["zkinfer"], r["ezkl"]
        if "failed" in e:
            lines.append(f"| {r['model']} | {o.get('k')} / — | {fmt(o.get('prove_s'), '.2f')} / EZKL failed (below) | — | {fmt(o.get('prove_rss_mib'), '.0f')} / — | — | {o.get('proof_bytes')} / — | {fmt(o.get('max_abs_error'), '.4f')} / — |")
            continue
        lines.append(
            f"| {r['model']} | {o.get('k')} / {e.get('k')} | {fmt(o.get('prove_s'), '.2f')} / {fmt(e.get('prove_s'), '.2f')} | {ratio(o.get('prove_s'), e.get('prove_s'))} "
            f"| {fmt(o.get('prove_rss_mib'), '.0f')} / {fmt(e.get('prove_rss_mib'), '.0f')} | {ratio(o.get('prove_rss_mib'), e.get('prove_rss_mib'))} "
            f"| {o.get('proof_bytes')} / {e.get('proof_bytes')} | {fmt(o.get('max_abs_error'), '.4f')} / {fmt(e.get('max_abs_error'), '.4f')} |"
        )
    failures = [(r["model"], r["ezkl"]["failed"]) for r in rows if "failed" in r["ezkl"]]
    if failures:
        lines += ["", "Where EZKL failed, in its own words (zkinfer proves and verifies these models, with the error shown):", ""]
        lines += [f"- {m}: `{why}`" for m, why in failures]
    replace_section(os.path.join(ROOT, "docs", "ezkl_comparison.md"), "bundled models", "benches/ezkl_side_by_side.sh", "\n".join(lines))


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--ezkl-step":
        ezkl_step(sys.argv[2], *sys.argv[3:])
    elif sys.argv[1:] == ["--markdown-only"]:
        write_markdown(json.load(open(os.path.join(ROOT, "docs", "ezkl_comparison.json"))))
    else:
        main()
