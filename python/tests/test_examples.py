"""The examples in examples/python and examples/batch-proving run as a user would run them."""

import importlib.util
import pathlib

import numpy as np

EXAMPLES = pathlib.Path(__file__).resolve().parents[2] / "examples"


def load(path: pathlib.Path):
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_sklearn_example_proves_the_same_decision_as_scikit_learn(tmp_path, capsys):
    result = load(EXAMPLES / "python" / "sklearn_credit.py").main(tmp_path)
    label, probabilities = result["verified"]["outputs"]
    assert result["verified"]["verified"]
    assert int(label["values"].ravel()[0]) == int(result["sklearn"]["label"])
    assert np.max(np.abs(probabilities["values"].ravel() - result["sklearn"]["probabilities"])) < 0.01
    printed = capsys.readouterr().out
    assert "circuit: k = " in printed and "scikit-learn: label" in printed


def test_batch_proving_on_a_local_ray_cluster(tmp_path):
    import ray

    example = load(EXAMPLES / "batch-proving" / "prove_batch.py")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        batch = example.main(32, 2, tmp_path)
    finally:
        ray.shutdown()
    inputs = example.borrowers(32)
    assert len(batch["verified"]) == 32 and all(v["verified"] for v in batch["verified"])
    # each result is the proof of its own borrower: the commitment it exposes is theirs
    for x, verified in zip(inputs, batch["verified"]):
        assert verified["input_commitment"] == example.zkinfer.commit(tmp_path / "model.zkc", x)
    # two workers, each loaded the key once and proved its share
    assert len({w["worker"] for w in batch["workers"]}) == 2
    assert sum(w["proofs"] for w in batch["workers"]) == 32
    assert batch["proofs_per_minute"] > 0
