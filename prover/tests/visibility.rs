//! Visibility modes end to end: a hashed input exposes only its Poseidon commitment (which
//! `zkinfer commit` reproduces), a private output exposes nothing, hashed parameters expose the
//! commitment that pins the model, and a proof cannot be moved to another commitment.

mod common;

use common::*;
use std::path::Path;
use zkinfer::compile::CompileOptions;
use zkinfer::proof::{fr_to_hex, input_commitment, params_commitment};
use zkinfer::{prove, verify, ZkError};
use zkinfer_circuits::circuit::visibility::{ModelVisibility, Visibility};
use zkinfer_circuits::quantize::QOp;

fn keys_for(
    model: &str,
    visibility: ModelVisibility,
) -> (zkinfer::CompiledModel, zkinfer::ProvingKeyFile, zkinfer::VerifyingKeyFile) {
    let samples = vec![sample(model, "input.json"), sample(model, "input2.json")];
    let opts = CompileOptions { visibility, ..Default::default() };
    let compiled = zkinfer::compile(&onnx(model), &samples, &opts).unwrap();
    let srs = zkinfer::srs::generate_insecure(compiled.params.k, 11).unwrap();
    let (pk, vk) = zkinfer::setup(&compiled, srs, Path::new("test-srs")).unwrap();
    (compiled, pk, vk)
}

fn rejected(result: Result<(), ZkError>) -> String {
    match result {
        Err(ZkError::Rejected(why)) => why,
        other => panic!("expected a rejection, got {other:?}"),
    }
}

#[test]
fn hashed_input_exposes_its_commitment_and_binds_the_proof_to_it() {
    let vis = ModelVisibility { input: Visibility::Hashed, ..ModelVisibility::default() };
    let (compiled, pk, vk) = keys_for("credit_gbt", vis);
    let borrower = sample("credit_gbt", "input.json");
    let bundle = prove(&compiled, &pk, &borrower).unwrap();
    verify(&vk, &bundle).unwrap();
    assert!(bundle.input.is_empty(), "the features stay private");
    let commitment = input_commitment(&compiled, &borrower, None).unwrap();
    assert_eq!(bundle.input_commitment.as_deref(), Some(commitment.as_str()));
    assert_eq!(bundle.instances[0], commitment);
    assert_eq!(bundle.instances.len(), 1 + 3, "commitment, label, two probabilities");
    assert!(!bundle.outputs.is_empty());

    // the same proof presented as one about another borrower's committed features
    let other = input_commitment(&compiled, &sample("credit_gbt", "input2.json"), None).unwrap();
    assert_ne!(other, commitment);
    let mut moved = bundle.clone();
    moved.instances[0] = other.clone();
    moved.input_commitment = Some(other);
    assert!(rejected(verify(&vk, &moved)).contains("does not verify"));
    // a bundle whose stated commitment disagrees with its instance
    let mut mislabelled = bundle.clone();
    mislabelled.input_commitment = Some(fr_to_hex(&zkinfer_circuits::halo2_proofs::halo2curves::bn256::Fr::from(7u64)));
    assert!(rejected(verify(&vk, &mislabelled)).contains("commitment"));
}

#[test]
fn private_input_and_hashed_output_reveal_no_values() {
    let vis = ModelVisibility { input: Visibility::Private, output: Visibility::Hashed, ..ModelVisibility::default() };
    let (compiled, pk, vk) = keys_for("linear_regression", vis);
    let x = sample("linear_regression", "input.json");
    let bundle = prove(&compiled, &pk, &x).unwrap();
    verify(&vk, &bundle).unwrap();
    assert!(bundle.input.is_empty() && bundle.outputs.is_empty());
    assert_eq!(bundle.instances.len(), 1);
    // the committed output is the quantized model's output on this input
    let model = &compiled.model;
    let witness = model.evaluate(&model.quantize_input(&x).unwrap()).unwrap();
    let outputs: Vec<i128> = model.outputs.iter().flat_map(|&o| witness.out[o].clone()).collect();
    assert_eq!(
        bundle.output_commitment.as_deref(),
        Some(fr_to_hex(&zkinfer_circuits::circuit::visibility::commitment(&outputs)).as_str())
    );
    // another output's commitment is rejected
    let mut wrong = bundle.clone();
    let mut shifted = outputs.clone();
    shifted[0] += 1;
    let c = fr_to_hex(&zkinfer_circuits::circuit::visibility::commitment(&shifted));
    wrong.instances[0] = c.clone();
    wrong.output_commitment = Some(c);
    assert!(rejected(verify(&vk, &wrong)).contains("does not verify"));
}

#[test]
fn a_proof_checked_against_the_public_layout_key_is_rejected() {
    // same model, different visibility: a different circuit and key
    let (_, _, public_vk) = keys_for("linear_regression", ModelVisibility::default());
    let vis = ModelVisibility { input: Visibility::Hashed, ..ModelVisibility::default() };
    let (compiled, pk, _) = keys_for("linear_regression", vis);
    let bundle = prove(&compiled, &pk, &sample("linear_regression", "input.json")).unwrap();
    assert!(verify(&public_vk, &bundle).is_err());
}

#[test]
fn hashed_parameters_expose_the_commitment_that_pins_the_model() {
    let vis = ModelVisibility { params: Visibility::Hashed, ..ModelVisibility::default() };
    let (compiled, pk, vk) = keys_for("credit_logistic", vis);
    let x = sample("credit_logistic", "input.json");
    let bundle = prove(&compiled, &pk, &x).unwrap();
    verify(&vk, &bundle).unwrap();
    let pinned = params_commitment(&compiled);
    assert_eq!(bundle.params_commitment.as_deref(), Some(pinned.as_str()));
    assert_eq!(bundle.instances.last(), Some(&pinned));
    // the outputs stay public and are still checked
    assert_eq!(bundle.outputs.len(), 2);
    // presented as a proof about other weights (their commitment in its place): rejected
    let mut other = compiled.clone();
    if let Some(zkinfer_circuits::quantize::QOp::Linear { weight, .. }) = other
        .model
        .nodes
        .iter_mut()
        .map(|n| &mut n.op)
        .find(|op| matches!(op, zkinfer_circuits::quantize::QOp::Linear { .. }))
    {
        weight[0] += 1;
    }
    let other_commitment = params_commitment(&other);
    assert_ne!(other_commitment, pinned);
    let mut moved = bundle.clone();
    *moved.instances.last_mut().unwrap() = other_commitment.clone();
    moved.params_commitment = Some(other_commitment);
    assert!(rejected(verify(&vk, &moved)).contains("other weights"));
}

/// The model with its first weight changed by `delta` quantization steps.
fn with_one_weight_changed(compiled: &zkinfer::CompiledModel, delta: i64) -> zkinfer::CompiledModel {
    let mut other = compiled.clone();
    let linear = other.model.nodes.iter_mut().find_map(|n| match &mut n.op {
        zkinfer_circuits::quantize::QOp::Linear { weight, .. } => Some(weight),
        _ => None,
    });
    linear.expect("a Linear layer")[0] += delta;
    other
}

#[test]
fn a_proof_made_with_other_weights_is_refused_even_relabelled() {
    // With witness parameters the halo2 verifying key does not depend on the weights: the attacker
    // sets up the changed model (same circuit), proves with it and relabels the proof with the
    // original model's digest. The key's recorded parameters refuse it.
    for params in [Visibility::Public, Visibility::Hashed] {
        let vis = ModelVisibility { params, ..ModelVisibility::default() };
        let (compiled, _, vk) = keys_for("logistic_regression", vis);
        // half a unit of the weight scale, as in the demonstrated attack
        let QOp::Linear { weight_scale, .. } =
            compiled.model.nodes.iter().map(|n| &n.op).find(|op| matches!(op, QOp::Linear { .. })).unwrap().clone()
        else {
            unreachable!()
        };
        let other = with_one_weight_changed(&compiled, 1i64 << (weight_scale - 1).max(0));
        let srs = zkinfer::srs::generate_insecure(other.params.k, 11).unwrap();
        let (other_pk, other_vk) = zkinfer::setup(&other, srs, Path::new("test-srs")).unwrap();
        assert_eq!(
            other_vk.vk.transcript_repr(),
            vk.vk.transcript_repr(),
            "{params}: the halo2 key does not pin witness weights"
        );
        let mut forged = prove(&other, &other_pk, &sample("logistic_regression", "input.json")).unwrap();
        verify(&other_vk, &forged).unwrap();
        forged.model_digest = vk.info.model_digest.clone();
        forged.model_name = vk.info.model_name.clone();
        let why = rejected(verify(&vk, &forged));
        assert!(why.contains("other weights"), "{params}: {why}");
    }
}

#[test]
fn private_parameters_still_bind_the_public_outputs() {
    let vis = ModelVisibility { params: Visibility::Private, ..ModelVisibility::default() };
    let (compiled, pk, vk) = keys_for("linear_regression", vis);
    let bundle = prove(&compiled, &pk, &sample("linear_regression", "input.json")).unwrap();
    verify(&vk, &bundle).unwrap();
    assert!(bundle.params_commitment.is_none());
    assert_eq!(bundle.instances.len(), 11, "input and output only");
    // an edited output instance (and claim) is rejected
    let mut wrong = bundle.clone();
    let v = zkinfer::proof::fr_from_hex(wrong.instances.last().unwrap()).unwrap()
        + zkinfer_circuits::halo2_proofs::halo2curves::bn256::Fr::one();
    *wrong.instances.last_mut().unwrap() = fr_to_hex(&v);
    wrong.outputs[0].quantized[0] += 1;
    wrong.outputs[0].values[0] = wrong.outputs[0].quantized[0] as f64 / 2f64.powi(wrong.outputs[0].scale);
    assert!(rejected(verify(&vk, &wrong)).contains("does not verify"));
}

/// A salted input: the proof shows the owner and Poseidon(owner, salt, features); `commit` with
/// the same owner and salt reproduces it, another salt or owner gives another commitment, and
/// neither a moved owner nor a moved commitment verifies.
#[test]
fn a_salted_input_names_its_owner_and_hides_equal_features() {
    use zkinfer::input::{field_element, Opening};
    use zkinfer::proof::{prove_opened, Transcript};
    let vis = ModelVisibility { input: Visibility::Salted, ..ModelVisibility::default() };
    let (compiled, pk, vk) = keys_for("credit_gbt", vis);
    let borrower = sample("credit_gbt", "input.json");
    let alice = field_element("0x70997970C51812dc3A010C7d01b50e0d17dc79C8", "owner").unwrap();
    let salt = field_element("123456789012345678901234567890", "salt").unwrap();
    let opening = Opening { owner: alice, salt };
    let bundle = prove_opened(&compiled, &pk, &borrower, Some(&opening), Transcript::Evm).unwrap();
    verify(&vk, &bundle).unwrap();
    assert_eq!(bundle.instances.len(), 2 + 3, "owner, commitment, label, two probabilities");
    assert_eq!(bundle.input_owner.as_deref(), Some(fr_to_hex(&alice).as_str()));
    let commitment = input_commitment(&compiled, &borrower, Some(&opening)).unwrap();
    assert_eq!(bundle.input_commitment.as_deref(), Some(commitment.as_str()));
    assert_eq!(bundle.instances[..2], [fr_to_hex(&alice), commitment.clone()]);
    // equal features, another salt or another owner: another commitment
    for other in [Opening { salt: salt + salt, ..opening }, Opening { owner: alice + alice, ..opening }] {
        assert_ne!(input_commitment(&compiled, &borrower, Some(&other)).unwrap(), commitment);
    }
    // the proof moved to another owner (instance and label together), or mislabelled
    let mut moved = bundle.clone();
    moved.instances[0] = fr_to_hex(&(alice + alice));
    moved.input_owner = Some(moved.instances[0].clone());
    assert!(rejected(verify(&vk, &moved)).contains("does not verify"));
    let mut mislabelled = bundle.clone();
    mislabelled.input_owner = Some(fr_to_hex(&(alice + alice)));
    assert!(rejected(verify(&vk, &mislabelled)).contains("owner"));
    // a salted model needs the opening, and a model that is not salted refuses one
    let missing = prove_opened(&compiled, &pk, &borrower, None, Transcript::Evm).unwrap_err().to_string();
    assert!(missing.contains("\"owner\" and \"salt\""), "{missing}");
    let (plain, plain_pk, _) = keys_for("linear_regression", ModelVisibility::default());
    let x = sample("linear_regression", "input.json");
    let unused = prove_opened(&plain, &plain_pk, &x, Some(&opening), Transcript::Evm).unwrap_err().to_string();
    assert!(unused.contains("not salted"), "{unused}");
}

#[test]
fn owners_and_salts_are_canonical_field_elements() {
    use zkinfer::input::field_element;
    let r = "21888242871839275222246405745257275088548364400416034343698204186575808495617";
    assert!(field_element(r, "salt").unwrap_err().contains("below the field modulus"));
    let r_minus_one = "21888242871839275222246405745257275088548364400416034343698204186575808495616";
    assert_eq!(
        field_element(r_minus_one, "salt").unwrap(),
        -zkinfer_circuits::halo2_proofs::halo2curves::bn256::Fr::one()
    );
    assert_eq!(field_element("0x0a", "owner"), field_element("10", "owner"));
    assert!(field_element(&format!("0x{}", "f".repeat(64)), "salt").unwrap_err().contains("below the field modulus"));
    assert!(field_element(&"9".repeat(80), "salt").unwrap_err().contains("below the field modulus"));
    for bad in ["", "0x", "0xg1", "-5", "1.5", &format!("0x{}", "1".repeat(65))] {
        assert!(field_element(bad, "owner").is_err(), "{bad:?} accepted");
    }
}
