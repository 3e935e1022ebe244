//! The generated Solidity verifiers on an in-process EVM (revm, Osaka rules): valid proofs are
//! accepted; tampered proofs, wrong instances and another model's proofs are rejected, both by the
//! raw verifier (revert) and by the stable `verifyProof` ABI (false). And the DeFi consumer.

mod common;

use common::{compile_and_prove, flip, instances, returns_true};
use std::path::Path;
use zkinfer::proof::fr_from_hex;
use zkinfer_circuits::circuit::public::PublicPart;
use zkinfer_verifier_contract::abi::{self, encode_call, plus_modulus, Token};
use zkinfer_verifier_contract::deploy::{VerifierArtifacts, CONSUMER_SOURCE, INSTANCES_SOURCE, WRAPPER_SOURCE};
use zkinfer_verifier_contract::evm::{CallResult, Evm};
use zkinfer_verifier_contract::solc;

struct Model {
    bundle: zkinfer::ProofBundle,
    verifier: VerifierArtifacts,
    compiled: zkinfer::CompiledModel,
}

fn build(model: &str) -> Model {
    build_with(model, Default::default())
}

fn build_with(model: &str, opts: zkinfer::compile::CompileOptions) -> Model {
    let (compiled, vk, bundle) = compile_and_prove(model, &opts);
    let verifier = VerifierArtifacts::build(&vk.srs, &vk.vk, vk.info.num_instances(), vk.info.pinned_params()).unwrap();
    Model { bundle, verifier, compiled }
}

fn for_the_verifier() -> zkinfer::compile::CompileOptions {
    zkinfer::compile::CompileOptions {
        objective: zkinfer_circuits::circuit::cost::Objective::Verifier,
        ..Default::default()
    }
}

/// Deploys `m`'s verifier (without the size limit when it exceeds EIP-170) and checks that it
/// accepts the proof and rejects a tampered proof, a wrong public value and `other`'s proof,
/// both raw (revert) and through `verifyProof` (false). Returns the valid call's gas.
fn accepts_only_its_own_valid_proof(m: &Model, other: &Model) -> u64 {
    let mut evm = if m.verifier.fits_eip170() { Evm::new() } else { Evm::without_code_size_limit() };
    let (raw, wrapper) = m.verifier.deploy(&mut evm).unwrap();
    let proof = m.bundle.proof_bytes().unwrap();
    let inst = instances(&m.bundle);
    let name = &m.bundle.model_name;

    let ok = evm.call(raw, abi::raw_verifier_call(&proof, &inst)).unwrap();
    assert!(ok.success, "valid proof rejected by {name}");
    assert!(returns_true(&evm.call(wrapper, abi::verify_proof_call(&proof, &inst)).unwrap()), "{name}");

    // tampered proof: a commitment byte and an evaluation byte
    for at in [40, proof.len() - 40] {
        assert!(!evm.call(raw, abi::raw_verifier_call(&flip(&proof, at), &inst)).unwrap().success, "{name}");
        assert!(!returns_true(&evm.call(wrapper, abi::verify_proof_call(&flip(&proof, at), &inst)).unwrap()), "{name}");
    }
    // wrong public output (a valid field element, off by one; packed, the lowest value of the
    // last word)
    let mut wrong = inst.clone();
    let last = wrong.len() - 1;
    let v = fr_from_hex(m.bundle.instances.last().unwrap()).unwrap()
        + zkinfer_circuits::halo2_proofs::halo2curves::bn256::Fr::one();
    wrong[last] = hex::decode(&zkinfer::proof::fr_to_hex(&v)[2..]).unwrap().try_into().unwrap();
    assert!(!evm.call(raw, abi::raw_verifier_call(&proof, &wrong)).unwrap().success, "{name}");
    assert!(!returns_true(&evm.call(wrapper, abi::verify_proof_call(&proof, &wrong)).unwrap()), "{name}");
    // another model's proof and instances
    let (other_proof, other_inst) = (other.bundle.proof_bytes().unwrap(), instances(&other.bundle));
    assert!(!evm.call(raw, abi::raw_verifier_call(&other_proof, &other_inst)).unwrap().success, "{name}");
    assert!(!returns_true(&evm.call(wrapper, abi::verify_proof_call(&other_proof, &other_inst)).unwrap()), "{name}");
    rejects_non_canonical_scalars(m, &mut evm, raw, wrapper);
    ok.gas_used
}

/// Every instance, and a proof evaluation, raised by the field modulus: the same field elements
/// to snark-verifier's arithmetic, another number to a contract that reads the bits (a packed
/// value) or hashes the bytes (a replay guard). Both entry points must refuse each.
fn rejects_non_canonical_scalars(
    m: &Model,
    evm: &mut Evm,
    raw: zkinfer_verifier_contract::Address,
    wrapper: zkinfer_verifier_contract::Address,
) {
    let proof = m.bundle.proof_bytes().unwrap();
    let inst = instances(&m.bundle);
    let name = &m.bundle.model_name;
    for i in 0..inst.len() {
        let mut moved = inst.clone();
        moved[i] = plus_modulus(&inst[i]);
        assert!(
            !evm.call(raw, abi::raw_verifier_call(&proof, &moved)).unwrap().success,
            "{name}: instance {i} + r accepted by the raw verifier"
        );
        assert!(
            !returns_true(&evm.call(wrapper, abi::verify_proof_call(&proof, &moved)).unwrap()),
            "{name}: instance {i} + r accepted by verifyProof"
        );
    }
    // the first scalar the verifier reads from the proof part (an evaluation)
    let runs = zkinfer_verifier_contract::generate::checked_runs(&m.verifier.halo2_source);
    assert_eq!(runs[0], (0, 32 * inst.len()), "{name}: the instances are checked");
    let at =
        runs.iter().map(|r| r.0).find(|&o| o >= 32 * inst.len()).expect("the proof has evaluations") - 32 * inst.len();
    let mut reencoded = proof.clone();
    let word: [u8; 32] = proof[at..at + 32].try_into().unwrap();
    reencoded[at..at + 32].copy_from_slice(&plus_modulus(&word));
    assert!(
        !evm.call(raw, abi::raw_verifier_call(&reencoded, &inst)).unwrap().success,
        "{name}: a re-encoded evaluation accepted"
    );
    assert!(!returns_true(&evm.call(wrapper, abi::verify_proof_call(&reencoded, &inst)).unwrap()), "{name}");
}

#[test]
fn verifiers_accept_valid_proofs_and_reject_bad_ones() {
    // the default (prover) layouts; oversized verifiers are checked without the size limit
    let models = [build("linear_regression"), build("logistic_regression"), build("mlp_relu"), build("credit_gbt")];
    for (i, m) in models.iter().enumerate() {
        accepts_only_its_own_valid_proof(m, &models[(i + 1) % models.len()]);
    }
    let big = build("mnist_mlp");
    if !big.verifier.fits_eip170() {
        assert!(big.verifier.deploy(&mut Evm::new()).is_err(), "revm enforces EIP-170 like mainnet");
    }
}

/// A circuit with a second phase (the CNN's convolutions checked by random challenges): the
/// generated verifier squeezes the challenges after the first-phase commitments, accepts the
/// valid proof and refuses tampered ones, as the one-phase verifiers do.
#[test]
fn a_two_phase_verifier_accepts_only_its_own_valid_proof() {
    let m = build("cnn_avgpool");
    assert!(m.compiled.params.freivalds, "the default layout checks the convolutions by the challenge");
    let gas = accepts_only_its_own_valid_proof(&m, &build("linear_regression"));
    println!("cnn_avgpool (two phases): verify gas {gas}, runtime {} bytes", m.verifier.halo2.runtime_size());
}

/// Every bundled model compiled for the verifier (`--optimize verifier`: lean layout, packed
/// public values): its verifier fits EIP-170 and accepts only its own valid proof.
fn every_model_fits_eip170_and_verifies(models: &[&str]) {
    let built: Vec<Model> = models.iter().map(|m| build_with(m, for_the_verifier())).collect();
    for (i, m) in built.iter().enumerate() {
        assert!(m.verifier.fits_eip170(), "{}: runtime {} bytes", models[i], m.verifier.halo2.runtime_size());
        let gas = accepts_only_its_own_valid_proof(m, &built[(i + 1) % built.len()]);
        println!(
            "{}: {} instances, verify gas {gas}, runtime {} bytes",
            models[i],
            m.bundle.instances.len(),
            m.verifier.halo2.runtime_size()
        );
        if let PublicPart::Packed(p) = m.compiled.params.public_parts()[0] {
            packed_input_reads_back_on_chain(m, p.slot_bits());
        }
    }
}

/// `ZkinferInstances.unpack` on the proof's instances gives back its quantized input.
fn packed_input_reads_back_on_chain(m: &Model, slot_bits: u32) {
    let probe = "// SPDX-License-Identifier: MIT\npragma solidity 0.8.19;\nimport \"ZkinferInstances.sol\";\ncontract Probe {\n  function value(uint256[] calldata instances, uint256 slotBits, uint256 index) external pure returns (int256) {\n    return ZkinferInstances.unpack(instances, 0, slotBits, index);\n  }\n}\n";
    let compiled = solc::compile_contract(
        &[("ZkinferInstances.sol", INSTANCES_SOURCE), ("Probe.sol", probe)],
        "Probe",
        solc::Optimizer::Full { runs: 200 },
    )
    .unwrap();
    let mut evm = Evm::new();
    let probe = evm.deploy(compiled.creation_bytes()).unwrap();
    let input = m.compiled.model.quantize_input(&m.bundle.input).unwrap();
    let inst = instances(&m.bundle);
    for index in [0, input.len() / 2, input.len() - 1] {
        let call = encode_call(
            "value(uint256[],uint256,uint256)",
            &[Token::Words(inst.clone()), Token::uint(slot_bits as u64), Token::uint(index as u64)],
        );
        let out = evm.call(probe, call).unwrap();
        assert!(out.success);
        let v = i128::from_be_bytes(out.output[16..32].try_into().unwrap());
        assert_eq!(v, input[index], "{} input #{index}", m.bundle.model_name);
    }
    // a non-canonical word would decode to another value: unpack refuses it
    let mut moved = inst.clone();
    moved[0] = plus_modulus(&inst[0]);
    let call = encode_call(
        "value(uint256[],uint256,uint256)",
        &[Token::Words(moved), Token::uint(slot_bits as u64), Token::uint(0)],
    );
    assert_eq!(revert_reason(&evm.call(probe, call).unwrap()), abi::selector("NonCanonical(uint256)"));
}

// two halves, so that the test harness runs them on both cores
const PART_ONE: [&str; 5] = ["cnn_maxpool", "mnist_mlp", "credit_logistic", "linear_regression", "mlp_relu"];
const PART_TWO: [&str; 5] = ["cnn_avgpool", "attention", "mlp_activations", "logistic_regression", "credit_gbt"];

#[test]
fn bundled_models_for_the_verifier_part_one() {
    every_model_fits_eip170_and_verifies(&PART_ONE);
}

#[test]
fn bundled_models_for_the_verifier_part_two() {
    every_model_fits_eip170_and_verifies(&PART_TWO);
}

#[test]
fn the_two_parts_cover_every_bundled_model() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../models");
    let mut bundled: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.path().join("model.onnx").exists())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    let mut tested: Vec<String> = PART_ONE.iter().chain(&PART_TWO).map(|s| s.to_string()).collect();
    bundled.sort();
    tested.sort();
    assert_eq!(bundled, tested);
}

fn revert_reason(r: &CallResult) -> [u8; 4] {
    assert!(!r.success, "expected a revert");
    r.output[..4].try_into().unwrap()
}

#[test]
fn risk_score_consumer_accepts_one_valid_proof_per_registered_borrower() {
    let m = build("linear_regression");
    let mut evm = Evm::new();
    let (_, wrapper) = m.verifier.deploy(&mut evm).unwrap();
    let consumer = solc::compile_contract(
        &[
            ("ZkinferVerifier.sol", WRAPPER_SOURCE),
            ("ZkinferInstances.sol", INSTANCES_SOURCE),
            ("RiskScoreConsumer.sol", CONSUMER_SOURCE),
        ],
        "RiskScoreConsumer",
        solc::Optimizer::Full { runs: 200 },
    )
    .unwrap();
    let n_inputs = 10u64;
    let mut creation = consumer.creation_bytes();
    creation.extend(abi::encode(&[Token::address(wrapper), Token::uint(n_inputs), Token::uint(n_inputs)]));
    let consumer = evm.deploy(creation).unwrap();

    let proof = m.bundle.proof_bytes().unwrap();
    let inst = instances(&m.bundle);
    let submit = |proof: &[u8], inst: &[[u8; 32]]| {
        encode_call("submitScore(bytes,uint256[])", &[Token::Bytes(proof.to_vec()), Token::Words(inst.to_vec())])
    };

    // unregistered borrower
    let r = evm.call(consumer, submit(&proof, &inst)).unwrap();
    assert_eq!(revert_reason(&r), abi::selector("UnknownAccount()"));

    // the oracle registers the borrower's features (the proof's input instances)
    let commitment = Token::Word(abi::keccak(&inst[..n_inputs as usize].concat()));
    let sender = evm.sender;
    let r = evm
        .call(consumer, encode_call("registerFeatures(address,bytes32)", &[Token::address(sender), commitment]))
        .unwrap();
    assert!(r.success);

    // a tampered proof is refused
    let r = evm.call(consumer, submit(&flip(&proof, 50), &inst)).unwrap();
    assert_eq!(revert_reason(&r), abi::selector("InvalidProof()"));
    // a proof about other features is refused before verification
    let mut other = inst.clone();
    other[0][31] ^= 1;
    let r = evm.call(consumer, submit(&proof, &other)).unwrap();
    assert_eq!(revert_reason(&r), abi::selector("FeaturesMismatch()"));

    // the valid proof is accepted and the score stored
    let r = evm.call(consumer, submit(&proof, &inst)).unwrap();
    assert!(r.success, "valid proof refused: {}", hex::encode(&r.output));
    let score = evm.call(consumer, encode_call("score(address)", &[Token::address(sender)])).unwrap();
    let expected = m.bundle.outputs[0].quantized[0];
    let stored = i128::from_be_bytes(score.output[16..32].try_into().unwrap());
    assert_eq!(stored, expected);
    println!("submitScore gas (whole transaction): {}", r.gas_used);

    // replaying it is refused
    let r = evm.call(consumer, submit(&proof, &inst)).unwrap();
    assert_eq!(revert_reason(&r), abi::selector("ProofReplayed()"));
}

#[test]
fn hashed_input_verifier_checks_the_commitment_on_chain() {
    use zkinfer_circuits::circuit::visibility::{ModelVisibility, Visibility};
    let visibility = ModelVisibility { input: Visibility::Hashed, ..ModelVisibility::default() };
    let m = build_with("credit_gbt", zkinfer::compile::CompileOptions { visibility, ..Default::default() });
    let mut evm = if m.verifier.fits_eip170() { Evm::new() } else { Evm::without_code_size_limit() };
    let (raw, wrapper) = m.verifier.deploy(&mut evm).unwrap();
    let proof = m.bundle.proof_bytes().unwrap();
    let inst = instances(&m.bundle);
    assert_eq!(inst.len(), 4, "the features' commitment, the label and two probabilities");
    let ok = evm.call(wrapper, abi::verify_proof_call(&proof, &inst)).unwrap();
    assert!(returns_true(&ok));
    println!(
        "credit_gbt (hashed input) verify gas: {}, runtime {} bytes",
        ok.gas_used,
        m.verifier.halo2.runtime_size()
    );
    // another borrower's commitment in its place
    let mut other = inst.clone();
    other[0][31] ^= 1;
    assert!(!evm.call(raw, abi::raw_verifier_call(&proof, &other)).unwrap().success);
    assert!(!returns_true(&evm.call(wrapper, abi::verify_proof_call(&proof, &other)).unwrap()));
}

#[test]
fn the_wrapper_refuses_a_verifier_address_without_code() {
    // a staticcall to an account without code succeeds: such a wrapper would accept anything
    let m = build("linear_regression");
    let mut evm = Evm::new();
    let mut creation = m.verifier.wrapper.creation_bytes();
    let (n, start, digest) = m.verifier.constructor_args();
    creation.extend(abi::encode(&[
        Token::address(evm.sender),
        Token::uint(n as u64),
        Token::uint(start as u64),
        Token::Word(digest),
    ]));
    let err = evm.deploy(creation).unwrap_err();
    assert!(err.contains(&hex::encode(abi::selector("NoVerifierCode()"))), "{err}");
}

#[test]
fn a_witness_parameter_verifier_pins_the_weights_on_chain() {
    // public parameters: the halo2 verifying key does not depend on the weights, so the raw
    // verifier accepts a proof made with other weights; ZkinferVerifier's pinned digest refuses it
    use zkinfer_circuits::circuit::visibility::{ModelVisibility, Visibility};
    let visibility = ModelVisibility { params: Visibility::Public, ..ModelVisibility::default() };
    let m = build_with("linear_regression", zkinfer::compile::CompileOptions { visibility, ..Default::default() });
    assert!(m.verifier.pinned.is_some());
    let mut other = m.compiled.clone();
    let linear = other.model.nodes.iter_mut().find_map(|n| match &mut n.op {
        zkinfer_circuits::quantize::QOp::Linear { weight, .. } => Some(weight),
        _ => None,
    });
    linear.unwrap()[0] += 64;
    let srs = zkinfer::srs::generate_insecure(other.params.k, 3).unwrap();
    let (other_pk, _) = zkinfer::setup(&other, srs, Path::new("test-srs")).unwrap();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../models/linear_regression");
    let forged =
        zkinfer::prove(&other, &other_pk, &zkinfer::input::read_input(&dir.join("input.json")).unwrap()).unwrap();
    let mut evm = Evm::new();
    let (raw, wrapper) = m.verifier.deploy(&mut evm).unwrap();
    let (proof, inst) = (forged.proof_bytes().unwrap(), instances(&forged));
    assert!(
        evm.call(raw, abi::raw_verifier_call(&proof, &inst)).unwrap().success,
        "the raw verifier cannot tell the weights apart"
    );
    assert!(
        !returns_true(&evm.call(wrapper, abi::verify_proof_call(&proof, &inst)).unwrap()),
        "verifyProof accepted other weights"
    );
    assert!(returns_true(
        &evm.call(wrapper, abi::verify_proof_call(&m.bundle.proof_bytes().unwrap(), &instances(&m.bundle))).unwrap()
    ));
}
