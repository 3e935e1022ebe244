#!/usr/bin/env python3
"""scikit-learn models exported with skl2onnx (the ai.onnx.ml domain), deterministic and offline.

tract cannot run every ai.onnx.ml op (ZipMap, Scaler, TreeEnsembleRegressor), so each model gets
onnxruntime's outputs on its sample inputs recorded beside it in `<stem>.reference.json`; the
tests compare zkinfer's proved outputs with those and need no Python.

Requires: numpy, onnx, onnxruntime, scikit-learn, skl2onnx.

    python3 models/make_sklearn_models.py
"""
import json
import os

import numpy as np
import onnxruntime as ort
from skl2onnx import to_onnx
from sklearn.ensemble import GradientBoostingClassifier, RandomForestClassifier, RandomForestRegressor
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler, Normalizer, StandardScaler
from sklearn.svm import LinearSVC

HERE = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(20261126)
OPSETS = {"": 13, "ai.onnx.ml": 3}

# One borrower, in the units a lending protocol's oracle would report them.
FEATURES = [
    "age_years",
    "income_k_usd",
    "debt_to_income_pct",
    "credit_utilization_pct",
    "credit_history_years",
    "open_accounts",
    "delinquencies_2y",
    "loan_amount_k_usd",
]


def borrowers(n):
    """Synthetic borrowers and whether each defaulted, from a nonlinear risk with noise."""
    age = rng.integers(21, 75, n)
    income = np.clip(np.round(np.exp(rng.normal(np.log(55), 0.5, n)), 1), 12, 240)
    dti = np.round(rng.beta(2, 5, n) * 80, 1)
    util = np.round(rng.beta(2, 3, n) * 100, 1)
    history = np.minimum(age - 18, np.round(rng.gamma(2, 4, n), 1))
    accounts = np.clip(rng.poisson(5, n), 0, 25)
    delinquencies = np.clip(rng.poisson(0.3, n), 0, 6)
    loan = np.round(rng.uniform(1, 50, n), 1)
    X = np.stack([age, income, dti, util, history, accounts, delinquencies, loan], axis=1).astype(np.float32)
    z = (-2.0 + 0.035 * dti + 0.025 * util + 0.6 * delinquencies - 0.04 * history - 0.008 * income
         + 0.02 * loan + 1.0 * (util > 80) * (dti > 40) - 0.01 * (age - 21))
    y = rng.uniform(size=n) < 1 / (1 + np.exp(-z))
    return X, y.astype(np.int64)


def onnxruntime_outputs(path, x):
    """Every graph output for one input row, flattened; ZipMap's maps become probability rows."""
    sess = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    name = sess.get_inputs()[0].name
    outputs = []
    for out in sess.run(None, {name: x.reshape(1, -1).astype(np.float32)}):
        if isinstance(out, list):  # ZipMap: [{label: p, ...}]
            outputs.append([float(p) for row in out for _, p in sorted(row.items())])
        else:
            outputs.append([float(v) for v in np.asarray(out).ravel()])
    return outputs


def save(model, X, onnx_path, input_paths, samples):
    """The ONNX file, its sample inputs, and onnxruntime's outputs on them."""
    onx = to_onnx(model, X[:1], target_opset=OPSETS)
    with open(onnx_path, "wb") as f:
        f.write(onx.SerializeToString())
    cases = []
    for path, x in zip(input_paths, samples):
        x = np.round(x.astype(np.float64), 6).astype(np.float32)
        with open(path, "w") as f:
            json.dump({"input_data": [[float(v) for v in x]]}, f)
            f.write("\n")
        cases.append({"input": [float(v) for v in x], "outputs": onnxruntime_outputs(onnx_path, x)})
    reference = os.path.splitext(onnx_path)[0] + ".reference.json"
    with open(reference, "w") as f:
        json.dump({"producer": f"onnxruntime {ort.__version__}", "cases": cases}, f, indent=1)
        f.write("\n")


def bundled(name, model, X, y, samples):
    model.fit(X, y)
    d = os.path.join(HERE, name)
    os.makedirs(d, exist_ok=True)
    save(model, X, os.path.join(d, "model.onnx"), [os.path.join(d, "input.json"), os.path.join(d, "input2.json")], samples)
    print(name, "train accuracy / R2:", round(model.score(X, y), 3))


def fixture(name, model, X, y, samples):
    model.fit(X, y)
    d = os.path.join(HERE, "fixtures")
    save(model, X, os.path.join(d, name + ".onnx"), [os.path.join(d, name + ".json"), os.path.join(d, name + "_2.json")], samples)


if __name__ == "__main__":
    X, y = borrowers(4000)
    samples = X[-2:]
    # the credit-risk models a lending protocol would run
    bundled("credit_gbt", GradientBoostingClassifier(n_estimators=40, max_depth=3, random_state=0), X, y, samples)
    bundled("credit_logistic", make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)), X, y, samples)
    # one model per remaining ai.onnx.ml lowering
    grade = np.digitize(X[:, 3], [35, 65])  # three utilization bands as classes
    fixture("ml_forest_regressor", RandomForestRegressor(n_estimators=6, max_depth=4, random_state=0), X, X[:, 2] * 0.5 + X[:, 3] * 0.2, samples)
    fixture("ml_forest_multiclass", RandomForestClassifier(n_estimators=5, max_depth=3, random_state=0), X, grade, samples)
    fixture("ml_logistic_multiclass", make_pipeline(MinMaxScaler(), LogisticRegression(max_iter=1000)), X, grade, samples)
    fixture("ml_linear_svc", LinearSVC(random_state=0, max_iter=20000), X, y, samples)
    fixture("ml_normalizer_regressor", make_pipeline(Normalizer(norm="l2"), LinearRegression()), X, X[:, 1] / 100, samples)
