"""Prove a scikit-learn credit model's prediction with zkinfer, from Python.

Trains a StandardScaler + LogisticRegression pipeline on synthetic borrowers, exports it with
skl2onnx exactly as a user would, records onnxruntime's outputs beside it (zkinfer measures its
accuracy against them: tract cannot run scikit-learn's ONNX ops), then compiles it (calibrated on
training rows), sets up keys with an insecure development SRS, proves one borrower's prediction,
verifies the proof, and prints the circuit's statistics and the proved output beside
scikit-learn's.

    pip install ./python[examples]
    python examples/python/sklearn_credit.py [--out DIR]
"""

import argparse
import pathlib
import tempfile

import json

import numpy as np
import onnxruntime as ort
from skl2onnx import to_onnx
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import zkinfer

FEATURES = ["income_k", "debt_to_income", "utilisation", "age", "late_payments", "open_accounts"]


def borrowers(n: int, rng: np.random.Generator):
    """Synthetic borrowers in natural units and whether each defaulted."""
    x = np.column_stack(
        [
            rng.lognormal(4.0, 0.5, n),  # income, thousands
            rng.uniform(0.0, 0.8, n),  # debt-to-income ratio
            rng.uniform(0.0, 1.0, n),  # credit utilisation
            rng.integers(21, 75, n),  # age, years
            rng.poisson(0.7, n),  # late payments in the last two years
            rng.integers(1, 12, n),  # open accounts
        ]
    ).astype(np.float32)
    risk = -1.5 - 0.01 * x[:, 0] + 3.0 * x[:, 1] + 2.0 * x[:, 2] - 0.02 * x[:, 3] + 0.8 * x[:, 4]
    defaulted = rng.random(n) < 1.0 / (1.0 + np.exp(-risk))
    return x, defaulted.astype(np.int64)


def record_onnxruntime(onnx_path: pathlib.Path, rows) -> None:
    """onnxruntime's outputs on `rows`, in the `<model>.reference.json` zkinfer reads (a ZipMap's
    probability maps as rows of probabilities, in label order)."""
    session = ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name
    cases = []
    for x in rows:
        outputs = []
        for out in session.run(None, {name: x[None].astype(np.float32)}):
            if isinstance(out, list):
                outputs.append([float(p) for row in out for _, p in sorted(row.items())])
            else:
                outputs.append([float(v) for v in np.asarray(out).ravel()])
        cases.append({"input": [float(v) for v in x], "outputs": outputs})
    reference = onnx_path.with_suffix(".reference.json")
    reference.write_text(json.dumps({"producer": f"onnxruntime {ort.__version__}", "cases": cases}))


def main(out: pathlib.Path) -> dict:
    rng = np.random.default_rng(7)
    x, y = borrowers(2000, rng)
    model = make_pipeline(StandardScaler(), LogisticRegression()).fit(x, y)
    onnx_path = out / "credit.onnx"
    onnx_path.write_bytes(to_onnx(model, x[:1], target_opset=15).SerializeToString())
    record_onnxruntime(onnx_path, list(x[:64]) + [x[100]])

    compiled = zkinfer.compile(onnx_path, list(x[:64]), out / "credit.zkc")
    zkinfer.gen_srs(model=out / "credit.zkc", output=out / "srs.bin")
    zkinfer.setup(out / "credit.zkc", out / "srs.bin", out / "pk.bin", out / "vk.bin")
    borrower = x[100]
    proved = zkinfer.prove(out / "credit.zkc", out / "pk.bin", borrower, out / "proof.json")
    verified = zkinfer.verify(out / "vk.bin", out / "proof.json")

    circuit = zkinfer.inspect(out / "credit.zkc")["circuit"]
    print(f"circuit: k = {circuit['params']['k']}, {circuit['used_rows']} of {circuit['usable_rows']} rows, "
          f"{circuit['advice_columns']} advice / {circuit['fixed_columns']} fixed columns, "
          f"{circuit['lookup_arguments']} lookups; proof {proved['proof_bytes']} bytes in {proved['prove_seconds']:.2f}s")
    print(f"calibration accuracy ({compiled['accuracy']['reference']}): "
          + ", ".join(f"{o['name']} max abs error {o['max_abs_error']:.5f}" for o in compiled["accuracy"]["outputs"]))
    print("borrower:", {name: round(float(v), 3) for name, v in zip(FEATURES, borrower)})
    sklearn = {"label": model.predict(borrower[None])[0], "probabilities": model.predict_proba(borrower[None])[0]}
    for o in verified["outputs"]:
        print(f"  proved {o['name']} {o['shape']}: {np.round(o['values'].ravel(), 5).tolist()}")
    print(f"  scikit-learn: label {sklearn['label']}, probabilities {np.round(sklearn['probabilities'], 5).tolist()}")
    return {"verified": verified, "sklearn": sklearn, "compiled": compiled}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=pathlib.Path, help="folder for the files (default: a temporary one)")
    args = parser.parse_args()
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        main(args.out)
    else:
        with tempfile.TemporaryDirectory() as folder:
            main(pathlib.Path(folder))
