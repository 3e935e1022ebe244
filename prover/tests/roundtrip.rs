//! setup → prove → verify for every bundled model, and the rejections: wrong public inputs or
//! outputs, tampered proof bytes, edited claims, and a proof checked against another model's key.

mod common;

use common::*;
use zkinfer::proof::{fr_from_hex, fr_to_hex};
use zkinfer::{prove, verify, ZkError};

#[test]
fn every_bundled_model_proves_and_verifies() {
    for model in MODELS {
        let f = fixture(model);
        let bundle = prove(&f.compiled, &f.pk, &sample(model, "input.json")).unwrap();
        verify(&f.vk, &bundle).unwrap_or_else(|e| panic!("{model}: {e}"));
        // and again after the JSON file round trip (outputs at raw scales have many digits)
        let dir = tempfile::tempdir().unwrap();
        bundle.save(&dir.path().join("proof.json")).unwrap();
        let reloaded = zkinfer::ProofBundle::load(&dir.path().join("proof.json")).unwrap();
        verify(&f.vk, &reloaded).unwrap_or_else(|e| panic!("{model} after save/load: {e}"));
        // the proved outputs are the quantized model's, within the error compile measured
        let (reference, _) =
            zkinfer::compile::float_outputs(Some(&onnx(model)), &f.compiled.graph, &sample(model, "input.json"));
        for ((o, r), acc) in bundle.outputs.iter().zip(&reference).zip(&f.compiled.accuracy.outputs) {
            let bound = acc.max_abs_error;
            for (p, r) in o.values.iter().zip(r) {
                assert!((p - r).abs() <= bound + 1e-6, "{model}/{}: proved {p}, float {r}, bound {bound}", o.name);
            }
        }
    }
}

#[test]
fn compile_reports_a_small_error_for_every_model() {
    // 12-bit activations with one bit of headroom: under 2% of each output's range
    for model in MODELS {
        let f = fixture(model);
        // an independent runtime, never zkinfer's own float graph
        let reference = &f.compiled.accuracy.reference;
        assert!(reference == "tract" || reference.starts_with("onnxruntime"), "{model}: reference {reference}");
        for o in &f.compiled.accuracy.outputs {
            assert!(o.max_rel_error < 0.02, "{model}/{}: relative error {}", o.name, o.max_rel_error);
            assert!(o.max_abs_reference > 0.0);
        }
    }
}

fn rejected(result: Result<(), ZkError>) -> String {
    match result {
        Err(ZkError::Rejected(msg)) => msg,
        other => panic!("expected a rejection, got {other:?}"),
    }
}

#[test]
fn wrong_public_output_is_rejected() {
    let f = fixture("mlp_relu");
    let mut bundle = prove(&f.compiled, &f.pk, &sample("mlp_relu", "input.json")).unwrap();
    // change the last instance (an output) and the claimed output with it, so only the proof can tell
    let last = bundle.instances.len() - 1;
    let v =
        fr_from_hex(&bundle.instances[last]).unwrap() + zkinfer_circuits::halo2_proofs::halo2curves::bn256::Fr::one();
    bundle.instances[last] = fr_to_hex(&v);
    let out = bundle.outputs.last_mut().unwrap();
    *out.quantized.last_mut().unwrap() += 1;
    *out.values.last_mut().unwrap() = *out.quantized.last().unwrap() as f64 / 2f64.powi(out.scale);
    let msg = rejected(verify(&f.vk, &bundle));
    assert!(msg.contains("does not verify"), "{msg}");
}

#[test]
fn wrong_public_input_is_rejected() {
    let f = fixture("linear_regression");
    let mut bundle = prove(&f.compiled, &f.pk, &sample("linear_regression", "input.json")).unwrap();
    // the first input one step up, in range, claim edited to match: only the proof can tell
    let v = fr_from_hex(&bundle.instances[0]).unwrap() + zkinfer_circuits::halo2_proofs::halo2curves::bn256::Fr::one();
    bundle.instances[0] = fr_to_hex(&v);
    let scale = f.vk.info.input.scale;
    bundle.input[0] = zkinfer::proof::fr_to_bounded(&v, f.vk.info.input.max_abs).unwrap() as f64 / 2f64.powi(scale);
    assert!(rejected(verify(&f.vk, &bundle)).contains("does not verify"));
}

#[test]
fn tampered_proof_bytes_are_rejected() {
    let f = fixture("linear_regression");
    let bundle = prove(&f.compiled, &f.pk, &sample("linear_regression", "input.json")).unwrap();
    let bytes = bundle.proof_bytes().unwrap();
    for position in [0, 31, 64, bytes.len() / 2, bytes.len() - 1] {
        let mut tampered = bundle.clone();
        let mut b = bytes.clone();
        b[position] ^= 0x01;
        tampered.proof = hex::encode(&b);
        rejected(verify(&f.vk, &tampered));
    }
    let mut truncated = bundle.clone();
    truncated.proof = hex::encode(&bytes[..bytes.len() - 32]);
    rejected(verify(&f.vk, &truncated));
    let mut not_hex = bundle.clone();
    not_hex.proof = "zz".into();
    rejected(verify(&f.vk, &not_hex));
}

#[test]
fn edited_output_claim_is_rejected() {
    let f = fixture("linear_regression");
    let mut bundle = prove(&f.compiled, &f.pk, &sample("linear_regression", "input.json")).unwrap();
    bundle.outputs[0].values[0] += 1.0;
    assert!(rejected(verify(&f.vk, &bundle)).contains("differ"));
}

#[test]
fn proof_of_another_model_is_rejected() {
    let a = fixture("linear_regression");
    let b = fixture("mlp_relu");
    let bundle = prove(&a.compiled, &a.pk, &sample("linear_regression", "input.json")).unwrap();
    assert!(rejected(verify(&b.vk, &bundle)).contains("is for model"));
    // even with the digest relabelled, the proof does not verify under the other key
    let mut relabelled = bundle.clone();
    relabelled.model_digest = b.vk.info.model_digest.clone();
    rejected(verify(&b.vk, &relabelled));
}

#[test]
fn a_proof_relabelled_with_another_models_name_is_refused() {
    // the name is what a reader sees: it must be the key's, not whatever the file says
    let f = fixture("linear_regression");
    let mut bundle = prove(&f.compiled, &f.pk, &sample("linear_regression", "input.json")).unwrap();
    bundle.model_name = "credit_gbt".into();
    assert!(rejected(verify(&f.vk, &bundle)).contains("is for model 'credit_gbt'"));
}

#[test]
fn proving_key_of_another_model_is_refused() {
    let a = fixture("linear_regression");
    let b = fixture("mlp_relu");
    let err = prove(&a.compiled, &b.pk, &sample("linear_regression", "input.json")).unwrap_err();
    assert!(matches!(err, ZkError::Mismatch(_)), "{err}");
}

#[test]
fn keys_survive_a_save_and_load() {
    let f = fixture("mlp_relu");
    let dir = tempfile::tempdir().unwrap();
    f.pk.save(&dir.path().join("pk.bin")).unwrap();
    f.vk.save(&dir.path().join("vk.bin")).unwrap();
    let pk = zkinfer::ProvingKeyFile::load(&dir.path().join("pk.bin")).unwrap();
    let vk = zkinfer::VerifyingKeyFile::load(&dir.path().join("vk.bin")).unwrap();
    let bundle = prove(&f.compiled, &pk, &sample("mlp_relu", "input2.json")).unwrap();
    verify(&vk, &bundle).unwrap();
    verify(&f.vk, &bundle).unwrap();
}

#[test]
fn packed_public_values_verify_and_bind_the_claims() {
    // attention compiled for the verifier packs its 128 inputs and 128 outputs into 30 instances
    let samples = vec![sample("attention", "input.json"), sample("attention", "input2.json")];
    let opts = zkinfer::compile::CompileOptions {
        objective: zkinfer_circuits::circuit::cost::Objective::Verifier,
        ..Default::default()
    };
    let compiled = zkinfer::compile(&onnx("attention"), &samples, &opts).unwrap();
    assert!(compiled.params.pack_input > 0 && compiled.params.pack_output > 0, "{:?}", compiled.params);
    let srs = zkinfer::srs::generate_insecure(compiled.params.k, 7).unwrap();
    let (pk, vk) = zkinfer::setup(&compiled, srs, std::path::Path::new("test-srs")).unwrap();
    let bundle = prove(&compiled, &pk, &samples[0]).unwrap();
    assert!(bundle.instances.len() < 128);
    assert_eq!(bundle.input.len(), 128);
    verify(&vk, &bundle).unwrap();

    // a claimed input that differs from what the packed instances decode to
    let mut edited = bundle.clone();
    edited.input[5] += 1.0;
    assert!(rejected(verify(&vk, &edited)).contains("differs"));
    // the first packed word with its lowest value raised by one, and the claim edited to match:
    // a valid packing of another input, which only the proof can refuse
    let mut moved = bundle.clone();
    let v = fr_from_hex(&moved.instances[0]).unwrap() + zkinfer_circuits::halo2_proofs::halo2curves::bn256::Fr::one();
    moved.instances[0] = fr_to_hex(&v);
    moved.input[0] += 1.0 / 2f64.powi(vk.info.input.scale);
    assert!(rejected(verify(&vk, &moved)).contains("does not verify"));
}

#[test]
fn a_public_value_outside_its_static_bound_is_refused_before_the_proof() {
    let f = fixture("mlp_relu");
    let bundle = prove(&f.compiled, &f.pk, &sample("mlp_relu", "input.json")).unwrap();
    // an output instance far beyond what the ops can produce, stated consistently in the file
    let mut far = bundle.clone();
    let last = far.instances.len() - 1;
    let bound = f.vk.info.outputs.last().unwrap().max_abs.unwrap();
    let v = <zkinfer_circuits::halo2_proofs::halo2curves::bn256::Fr as zkinfer_circuits::halo2_proofs::halo2curves::ff::PrimeField>::from_u128(bound + 1);
    far.instances[last] = fr_to_hex(&v);
    let out = far.outputs.last_mut().unwrap();
    *out.quantized.last_mut().unwrap() = bound as i128 + 1;
    *out.values.last_mut().unwrap() = (bound as i128 + 1) as f64 / 2f64.powi(out.scale);
    assert!(rejected(verify(&f.vk, &far)).contains("not a value the circuit can produce"));
    // an input instance outside the quantized range [-2^bits, 2^bits]
    let mut wide = bundle.clone();
    let bits = f.compiled.model.bits;
    wide.instances[0] = fr_to_hex(&zkinfer_circuits::halo2_proofs::halo2curves::bn256::Fr::from(1u64 << (bits + 1)));
    wide.input[0] = 2f64.powi(bits as i32 + 1) / 2f64.powi(f.vk.info.input.scale);
    assert!(rejected(verify(&f.vk, &wide)).contains("not a value the circuit accepts"));
}

#[test]
fn a_stated_input_off_the_quantization_grid_is_refused() {
    // a float that rounds to the proved value but is not it: the claim must be exact
    let f = fixture("linear_regression");
    let mut bundle = prove(&f.compiled, &f.pk, &sample("linear_regression", "input.json")).unwrap();
    bundle.input[0] += 0.25 / 2f64.powi(f.vk.info.input.scale);
    assert!(rejected(verify(&f.vk, &bundle)).contains("input written in the proof file differs"));
}
