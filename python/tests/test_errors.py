"""Bad input raises ZkinferError with the CLI's message: never a panic, never a crash, and no
half-written file."""

import numpy as np
import pytest

import zkinfer


def test_a_missing_model_names_the_file(in_tmp):
    with pytest.raises(zkinfer.ZkinferError, match="missing.onnx"):
        zkinfer.compile("missing.onnx", [[1.0, 2.0]], "model.zkc")
    assert not (in_tmp / "model.zkc").exists()


def test_a_file_that_is_not_onnx_is_refused(in_tmp):
    (in_tmp / "model.onnx").write_bytes(b"not a protobuf at all")
    with pytest.raises(zkinfer.ZkinferError, match="model.onnx"):
        zkinfer.compile(in_tmp / "model.onnx", [[1.0]], "model.zkc")


def test_an_unknown_visibility_is_named(linear, in_tmp):
    with pytest.raises(zkinfer.ZkinferError, match="unknown visibility 'secret'"):
        zkinfer.compile(linear.onnx, linear.inputs, "m.zkc", input_visibility="secret")


def test_an_input_of_the_wrong_length_says_how_long_it_should_be(linear):
    n = zkinfer.Prover(linear.zkc, linear.pk).input_len
    with pytest.raises(zkinfer.ZkinferError, match=str(n)):
        zkinfer.prove(linear.zkc, linear.pk, np.zeros(n + 1), output=None)


def test_a_non_finite_input_is_refused(linear):
    x = zkinfer.read_input(linear.inputs[0])
    x[0] = np.nan
    with pytest.raises(zkinfer.ZkinferError):
        zkinfer.prove(linear.zkc, linear.pk, x, output=None)


def test_an_input_that_is_not_numbers_is_refused(linear):
    with pytest.raises(zkinfer.ZkinferError, match="numbers"):
        zkinfer.prove(linear.zkc, linear.pk, ["a", "b"], output=None)


def test_a_malformed_input_file_names_the_file(linear, in_tmp):
    (in_tmp / "x.json").write_text('{"input_data": 3}')
    with pytest.raises(zkinfer.ZkinferError, match="x.json"):
        zkinfer.prove(linear.zkc, linear.pk, in_tmp / "x.json", output=None)


def test_gen_srs_takes_exactly_one_of_k_and_model(in_tmp):
    with pytest.raises(zkinfer.ZkinferError, match="exactly one"):
        zkinfer.gen_srs()
    with pytest.raises(zkinfer.ZkinferError, match="between 1 and"):
        zkinfer.gen_srs(k=99, output="srs.bin")
    assert not (in_tmp / "srs.bin").exists()


def test_a_too_small_srs_says_which_k_is_needed(linear, in_tmp):
    zkinfer.gen_srs(k=2, output="small.bin")
    with pytest.raises(zkinfer.ZkinferError, match=f"k >= {linear.compiled['k']}"):
        zkinfer.setup(linear.zkc, "small.bin", "pk.bin", "vk.bin")
    assert not (in_tmp / "pk.bin").exists() and not (in_tmp / "vk.bin").exists()


def test_a_proof_file_that_is_not_json_is_refused(linear, in_tmp):
    (in_tmp / "proof.json").write_text("garbage")
    with pytest.raises(zkinfer.ZkinferError, match="not a valid proof"):
        zkinfer.verify(linear.vk, in_tmp / "proof.json")


def test_verify_with_a_compiled_model_instead_of_a_key_is_refused(linear):
    with pytest.raises(zkinfer.ZkinferError) as raised:
        zkinfer.verify(linear.zkc, linear.proof)
    assert not isinstance(raised.value, zkinfer.VerificationError)


def test_errors_are_exceptions_of_the_package():
    assert issubclass(zkinfer.VerificationError, zkinfer.ZkinferError)
    assert issubclass(zkinfer.ZkinferError, Exception)
    assert zkinfer.ZkinferError.__module__ == "zkinfer"
