"""The whole pipeline from Python: compile, SRS, setup, prove, verify, inspect, commit, and the
Solidity verifier on an in-process EVM."""

import json
import pathlib
import threading
import time

import numpy as np
import pytest

import zkinfer

# the repository's models/ (conftest's fixtures use the same folder; conftest itself is not
# importable under pytest's importlib import mode)
MODELS = pathlib.Path(__file__).resolve().parents[2] / "models"


def test_compile_reports_the_circuit_and_its_accuracy(linear):
    c = linear.compiled
    assert linear.zkc.is_file()
    assert c["k"] >= 5 and c["rows"] <= c["usable_rows"]
    assert c["accuracy"]["samples"] == 2
    [out] = c["accuracy"]["outputs"]
    assert out["max_rel_error"] < 0.01


def test_gen_srs_takes_k_from_the_compiled_model(linear):
    assert zkinfer.srs_info(linear.srs)["k"] == linear.compiled["k"]


def test_proved_outputs_are_arrays_in_their_shape_close_to_the_float_reference(linear):
    [out] = linear.proved["outputs"]
    assert isinstance(out["values"], np.ndarray) and out["values"].shape == tuple(out["shape"])
    # values are exactly the quantized integers over 2^scale
    assert np.array_equal(out["values"], out["quantized"].astype(float) / 2.0 ** out["scale"])
    [reference] = linear.proved["float_reference"]
    bound = 10 * linear.compiled["accuracy"]["outputs"][0]["max_abs_error"] + 1e-3
    assert np.max(np.abs(out["values"] - reference)) <= bound
    assert linear.proof.is_file() and linear.proved["proof_bytes"] > 0


def test_the_proof_verifies_from_its_file_and_from_memory(linear):
    by_file = zkinfer.verify(linear.vk, linear.proof)
    assert by_file["verified"] is True
    assert np.array_equal(by_file["outputs"][0]["values"], linear.proved["outputs"][0]["values"])
    verifier = zkinfer.Verifier(linear.vk)
    assert verifier.verify(linear.proved)["verified"]
    assert verifier.verify(linear.proved["bundle"])["verified"]


def test_numpy_and_list_inputs_prove_the_same_as_the_input_file(linear):
    x = zkinfer.read_input(linear.inputs[0])
    prover = zkinfer.Prover(linear.zkc, linear.pk)
    from_array = prover.prove(x.reshape(1, -1))
    from_list = prover.prove(list(x))
    expected = linear.proved["outputs"][0]["quantized"]
    for report in (from_array, from_list):
        assert report["proof"] is None
        assert np.array_equal(report["outputs"][0]["quantized"], expected)
        assert zkinfer.verify(linear.vk, report)["verified"]


def tamper(bundle_json: str, change) -> str:
    bundle = json.loads(bundle_json)
    change(bundle)
    return json.dumps(bundle)


def flip_last_hex_digit(s: str) -> str:
    return s[:-1] + ("0" if s[-1] != "0" else "1")


def test_a_tampered_proof_raises_verification_error(linear):
    bad = tamper(linear.proved["bundle"], lambda b: b.update(proof=flip_last_hex_digit(b["proof"])))
    with pytest.raises(zkinfer.VerificationError, match="proof rejected"):
        zkinfer.Verifier(linear.vk).verify(bad)


def test_a_changed_output_raises_verification_error(linear):
    def change(b):
        b["instances"][-1] = flip_last_hex_digit(b["instances"][-1])
        b["outputs"] = []

    with pytest.raises(zkinfer.VerificationError):
        zkinfer.Verifier(linear.vk).verify(tamper(linear.proved["bundle"], change))


def test_another_models_proof_is_refused(linear, credit_hashed):
    with pytest.raises(zkinfer.VerificationError, match="model"):
        zkinfer.verify(linear.vk, credit_hashed.proof)


def test_a_prover_refuses_another_models_key(linear, credit_hashed):
    with pytest.raises(zkinfer.ZkinferError, match="another compiled model"):
        zkinfer.Prover(linear.zkc, credit_hashed.pk)


def test_a_hashed_input_proof_exposes_the_inputs_commitment(credit_hashed):
    commitment = zkinfer.commit(credit_hashed.zkc, credit_hashed.inputs[0])
    assert commitment.startswith("0x") and commitment == credit_hashed.proved["input_commitment"]
    assert zkinfer.verify(credit_hashed.vk, credit_hashed.proof)["input_commitment"] == commitment
    other = zkinfer.commit(credit_hashed.zkc, credit_hashed.inputs[1])
    assert other != commitment


def test_inspect_lists_layers_and_the_public_layout(linear):
    report = zkinfer.inspect(linear.zkc)
    circuit = report["circuit"]
    assert circuit["params"]["k"] == linear.compiled["k"]
    assert sum(layer["rows"] for layer in circuit["layers"]) <= circuit["used_rows"]
    assert [p["part"] for p in report["public"]][:2] == ["input", "output"]


def test_the_solidity_verifier_accepts_the_proof_on_the_evm(linear, tmp_path):
    written = zkinfer.gen_verifier(linear.vk, tmp_path / "Verifier.sol")
    assert (tmp_path / "Verifier.sol").read_text().count("contract ") >= 2
    assert written["num_instances"] == len(json.loads(linear.proved["bundle"])["instances"])
    evm = zkinfer.verify_evm(linear.vk, linear.proof)
    assert evm["accepted"] and 100_000 < evm["raw_gas"] < 1_000_000
    assert evm["runtime_bytes"] <= evm["eip170_limit"]


def test_the_evm_rejects_a_tampered_proof(linear, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(tamper(linear.proved["bundle"], lambda b: b.update(proof=flip_last_hex_digit(b["proof"]))))
    with pytest.raises(zkinfer.VerificationError, match="EVM"):
        zkinfer.verify_evm(linear.vk, bad)


def test_long_steps_release_the_gil(tmp_path):
    """While one thread generates an SRS, another keeps running Python: the largest pause it sees
    is a small part of the call (with the GIL held it would be the whole call)."""
    done = threading.Event()
    elapsed = {}

    def work():
        start = time.perf_counter()
        zkinfer.gen_srs(k=15, output=tmp_path / "srs.bin")
        elapsed["call"] = time.perf_counter() - start
        done.set()

    worker = threading.Thread(target=work)
    last, longest = time.perf_counter(), 0.0
    worker.start()
    while not done.is_set():
        now = time.perf_counter()
        longest, last = max(longest, now - last), now
        time.sleep(0.001)
    worker.join()
    assert elapsed["call"] > 0.2, "the call is too short to tell"
    assert longest < elapsed["call"] / 2, f"Python paused {longest:.2f}s of a {elapsed['call']:.2f}s call"


def test_compile_takes_a_calibration_target_and_a_reference_file(tmp_path):
    models = MODELS
    onnx, inputs = models / "mnist_mlp" / "model.onnx", [models / "mnist_mlp" / "input.json", models / "mnist_mlp" / "input2.json"]
    resources = zkinfer.compile(onnx, inputs, tmp_path / "r.zkc", calibration_target="resources")
    accuracy = zkinfer.compile(onnx, inputs, tmp_path / "a.zkc", calibration_target="accuracy")
    assert resources["bits"] < accuracy["bits"] and resources["k"] <= accuracy["k"]
    with pytest.raises(zkinfer.ZkinferError, match="give one of them"):
        zkinfer.compile(onnx, inputs, tmp_path / "b.zkc", bits=10, calibration_target="accuracy")
    with pytest.raises(zkinfer.ZkinferError, match="calibration target"):
        zkinfer.compile(onnx, inputs, tmp_path / "b.zkc", calibration_target="fastest")
    assert not (tmp_path / "b.zkc").exists()
    # onnxruntime's recorded outputs, passed as a file kept anywhere, are the accuracy's reference
    credit = models / "credit_logistic"
    recorded = tmp_path / "recorded.json"
    recorded.write_bytes((credit / "model.reference.json").read_bytes())
    c = zkinfer.compile(credit / "model.onnx", [credit / "input.json"], tmp_path / "c.zkc", reference=recorded)
    assert "recorded" in c["accuracy"]["reference"]


def test_a_salted_input_takes_its_owner_and_salt(tmp_path):
    """A salted input: the proof shows the owner and Poseidon(owner, salt, features); commit with
    the same owner and salt gives it, another salt another commitment; a missing opening is an
    error."""
    name = "linear_regression"
    inputs = [MODELS / name / "input.json", MODELS / name / "input2.json"]
    zkc, srs, pk, vk = tmp_path / "m.zkc", tmp_path / "srs.bin", tmp_path / "pk.bin", tmp_path / "vk.bin"
    zkinfer.compile(MODELS / name / "model.onnx", inputs, zkc, input_visibility="salted")
    zkinfer.gen_srs(model=zkc, output=srs)
    zkinfer.setup(zkc, srs, pk, vk)
    owner, salt = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8", 2**200 + 12345
    proved = zkinfer.prove(zkc, pk, inputs[0], None, owner=owner, salt=salt)
    assert proved["input_owner"].endswith(owner[2:].lower())
    assert zkinfer.commit(zkc, inputs[0], owner=owner, salt=salt) == proved["input_commitment"]
    assert zkinfer.commit(zkc, inputs[0], owner=owner, salt=salt + 1) != proved["input_commitment"]
    assert zkinfer.verify(vk, proved)["input_commitment"] == proved["input_commitment"]
    with pytest.raises(zkinfer.ZkinferError, match="salted"):
        zkinfer.prove(zkc, pk, inputs[0], None)
    with pytest.raises(zkinfer.ZkinferError, match="go together"):
        zkinfer.commit(zkc, inputs[0], owner=owner)
    with pytest.raises(zkinfer.ZkinferError, match="non-negative int"):
        zkinfer.prove(zkc, pk, inputs[0], None, owner=-1, salt=1)
