#!/usr/bin/env python3
"""zkinfer and EZKL on the ONNX project's own PyTorch-exported test cases, in one run.

    benches/onnx_test_cases.sh      (creates the EZKL venv like ezkl_side_by_side.sh, then runs this)

The cases are the `pytorch-converted` and `pytorch-operator` folders of the test data the `onnx`
wheel ships (`onnx/backend/test/data`): a model, its input(s) and the output PyTorch recorded.
A tool *proves* a case when its proof verifies and every proved output is within 1% of
max(|recorded output|, 1) of the recorded output: the same rule for both. Each tool is calibrated
on the case's input; a case of several model inputs gives each tool all of them, one list per
input in `input_data`. Writes its section of docs/ezkl_comparison.md and
docs/onnx_test_cases.json. CASES=a,b limits the cases; TOOLS=zkinfer limits the tools; results
of the cases and tools not run are kept from the last docs/onnx_test_cases.json.
"""
import glob
import json
import os
import sys
import tempfile

import numpy as np
import onnx
from onnx import numpy_helper

from doc_sections import replace_section
from ezkl_side_by_side import ROOT, ZK, run_ezkl, timed

DATA = os.path.join(os.path.dirname(onnx.__file__), "backend", "test", "data")
SUITES = ["pytorch-converted", "pytorch-operator"]
TOLERANCE = 0.01


def cases():
    found = []
    for suite in SUITES:
        for d in sorted(glob.glob(os.path.join(DATA, suite, "test_*"))):
            if os.path.exists(os.path.join(d, "model.onnx")) and os.path.isdir(os.path.join(d, "test_data_set_0")):
                found.append((suite, os.path.basename(d), d))
    only = os.environ.get("CASES")
    return [c for c in found if not only or c[1] in only.split(",")]


def tensors(case_dir, prefix):
    files = sorted(glob.glob(os.path.join(case_dir, "test_data_set_0", f"{prefix}_*.pb")))
    out = []
    for f in files:
        t = onnx.TensorProto()
        t.ParseFromString(open(f, "rb").read())
        out.append(numpy_helper.to_array(t))
    return out


def within(proved, recorded):
    """Whether each proved output is within TOLERANCE · max(|recorded|, 1) of the recorded one."""
    if len(proved) != len(recorded):
        return False, None
    worst = 0.0
    for p, r in zip(proved, recorded):
        p, r = np.asarray(p, dtype=np.float64).ravel(), np.asarray(r, dtype=np.float64).ravel()
        if p.shape != r.shape:
            return False, None
        err = float(np.max(np.abs(p - r))) if r.size else 0.0
        worst = max(worst, err)
        if err > TOLERANCE * max(float(np.max(np.abs(r))) if r.size else 0.0, 1.0):
            return False, worst
    return True, worst


def input_file(path, inputs):
    json.dump({"input_data": [x.ravel().astype(np.float64).tolist() for x in inputs]}, open(path, "w"))


def zkinfer_case(case_dir, inputs, recorded, work):
    f = lambda name: os.path.join(work, name)
    data = f("input.json")
    input_file(data, inputs)
    steps = [
        ["compile", os.path.join(case_dir, "model.onnx"), "--input", data, "-o", f("m.zkc")],
        ["srs", "gen", "--for", f("m.zkc"), "-o", f("srs.bin")],
        ["setup", f("m.zkc"), "--srs", f("srs.bin"), "--pk", f("pk.bin"), "--vk", f("vk.bin")],
    ]
    for s in steps:
        ok, _, _, out = timed([ZK] + s)
        if not ok:
            return {"failed": f"{s[0]}: {last(out)}"}
    ok, secs, mib, out = timed([ZK, "prove", f("m.zkc"), "--pk", f("pk.bin"), "--input", data, "-o", f("proof.json")])
    if not ok:
        return {"failed": f"prove: {last(out)}"}
    verified, _, _, out = timed([ZK, "verify", "--vk", f("vk.bin"), "--proof", f("proof.json")])
    if not verified:
        return {"failed": f"verify: {last(out)}"}
    proof = json.load(open(f("proof.json")))
    proved = [o["values"] for o in proof["outputs"]]
    good, err = within(proved, recorded)
    k = json.load(open(f("m.zkc")))["params"]["k"]
    return {"proved": good, "max_abs_error": err, "k": k, "prove_s": secs, "prove_rss_mib": mib}


def ezkl_case(case_dir, inputs, recorded, work):
    data = os.path.join(work, "input.json")
    input_file(data, inputs)
    res = run_ezkl(os.path.join(case_dir, "model.onnx"), data, work, error=False)
    if "failed" in res:
        return res
    if not res.get("verified"):
        return {"failed": "verify: the proof was rejected", "k": res.get("k")}
    witness = json.load(open(os.path.join(work, "witness.json")))
    proved = witness.get("pretty_elements", {}).get("rescaled_outputs", [])
    good, err = within([[float(v) for v in o] for o in proved], recorded)
    return {"proved": good, "max_abs_error": err, "k": res["k"], "prove_s": res["prove_s"], "prove_rss_mib": res["prove_rss_mib"]}


def last(out):
    lines = [l for l in out.strip().splitlines() if l.strip()]
    return lines[-1][:200] if lines else "error"


def main():
    tools = os.environ.get("TOOLS", "zkinfer,ezkl").split(",")
    results = os.path.join(ROOT, "docs", "onnx_test_cases.json")
    rows = json.load(open(results)) if os.path.exists(results) else []
    by_case = {(r["suite"], r["case"]): r for r in rows}
    for suite, name, _ in cases() if os.environ.get("CASES") else []:
        by_case.setdefault((suite, name), {"suite": suite, "case": name})
    if not os.environ.get("CASES"):
        rows = [{"suite": suite, "case": name} for suite, name, _ in cases()]
        by_case = {(r["suite"], r["case"]): r for r in rows}
    rows = sorted(by_case.values(), key=lambda r: (SUITES.index(r["suite"]), r["case"]))
    shown = [t for t in ["zkinfer", "ezkl"] if t in tools or any(t in r for r in rows)]
    # one tool over every case, then the next, the results written after each case: a run cut
    # short still leaves every case of the first tool and as many of the next
    for tool in tools:
        for suite, name, d in cases():
            row = by_case[(suite, name)]
            row[tool] = run_case(tool, d)
            print(json.dumps({"case": name, tool: row[tool]}), flush=True)
            json.dump(rows, open(results, "w"), indent=1)
            write_markdown(rows, shown)


def run_case(tool, d):
    inputs, recorded = tensors(d, "input"), tensors(d, "output")
    with tempfile.TemporaryDirectory() as w:
        if tool == "zkinfer":
            return zkinfer_case(d, inputs, recorded, w)
        try:
            return ezkl_case(d, inputs, recorded, w)
        except Exception as e:  # a witness file EZKL did not write, say
            return {"failed": f"harness: {type(e).__name__}: {e}"[:200]}


def write_markdown(rows, tools):
    proved = lambda r, t: r.get(t, {}).get("proved") is True
    counts = {t: sum(proved(r, t) for r in rows) for t in tools}
    ran = {t: sum(t in r for r in rows) for t in tools}
    lines = [
        f"Produced by `benches/onnx_test_cases.sh` on {os.cpu_count()} cores: the {len(rows)} cases of the ONNX test data's",
        f"{' and '.join(SUITES)} folders (onnx {onnx.__version__}). Proved = the proof verifies and every output is within",
        f"{TOLERANCE:.0%} of max(|PyTorch's recorded output|, 1); both tools calibrated on the case's input.",
        "",
        "| tool | proved |",
        "|---|---|",
    ] + [f"| {t} | {counts[t]} of {len(rows)}" + (f" (ran on {ran[t]} before the run was cut)" if ran[t] < len(rows) else "") + " |" for t in tools] + [
        "",
        "| case | " + " | ".join(tools) + " |",
        "|---|" + "---|" * len(tools),
    ]
    cell = lambda r, t: ("proved" if proved(r, t) else
                         f"error {r[t]['max_abs_error']:.3g}" if r.get(t, {}).get("max_abs_error") is not None else
                         r[t].get("failed", "—").replace("|", "/")[:120] if t in r else "not run")
    for r in rows:
        lines.append(f"| {r['suite']}/{r['case']} | " + " | ".join(cell(r, t) for t in tools) + " |")
    stale = [r["case"] for r in rows if "this harness gives one" in r.get("ezkl", {}).get("failed", "")]
    if stale:
        lines += ["", f"EZKL's results on {len(stale)} cases of several model inputs are from a run before this harness "
                  "gave every input; rerun `TOOLS=ezkl CASES=... benches/onnx_test_cases.sh` to refresh them."]
    replace_section(os.path.join(ROOT, "docs", "ezkl_comparison.md"), "onnx test cases", "benches/onnx_test_cases.sh", "\n".join(lines))


if __name__ == "__main__":
    main()
