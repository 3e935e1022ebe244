//! The generated Solidity verifiers on an in-process EVM (revm, Osaka rules): valid proofs are
//! accepted; tampered proofs, wrong instances and another model's proofs are rejected, both by the
//! raw verifier (revert) and by the stable `verifyProof` ABI (false). And the DeFi consumer.

use std::path::Path;
use zkinfer::proof::fr_from_hex;
use zkinfer_verifier_contract::abi::{self, encode_call, Token};
use zkinfer_verifier_contract::deploy::{VerifierArtifacts, CONSUMER_SOURCE, WRAPPER_SOURCE};
use zkinfer_verifier_contract::evm::{CallResult, Evm};
use zkinfer_verifier_contract::solc;

struct Model {
    bundle: zkinfer::ProofBundle,
    verifier: VerifierArtifacts,
}

fn build(model: &str) -> Model {
    build_with(model, Default::default())
}

fn build_with(model: &str, opts: zkinfer::compile::CompileOptions) -> Model {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../models").join(model);
    let samples: Vec<_> = ["input.json", "input2.json"].iter().map(|f| zkinfer::input::read_input(&dir.join(f)).unwrap()).collect();
    let compiled = zkinfer::compile(&dir.join("model.onnx"), &samples, &opts).unwrap();
    let srs = zkinfer::srs::generate_insecure(compiled.params.k, 3).unwrap();
    let (pk, vk) = zkinfer::setup(&compiled, srs, Path::new("test-srs")).unwrap();
    let bundle = zkinfer::prove(&compiled, &pk, &samples[0]).unwrap();
    let verifier = VerifierArtifacts::build(&vk.srs, &vk.vk, vk.info.num_instances()).unwrap();
    Model { bundle, verifier }
}

fn instances(bundle: &zkinfer::ProofBundle) -> Vec<[u8; 32]> {
    bundle.instances.iter().map(|h| hex::decode(&h[2..]).unwrap().try_into().unwrap()).collect()
}

fn returns_true(r: &CallResult) -> bool {
    r.success && r.output.len() == 32 && r.output[31] == 1 && r.output[..31].iter().all(|&b| b == 0)
}

fn flip(bytes: &[u8], at: usize) -> Vec<u8> {
    let mut b = bytes.to_vec();
    b[at] ^= 1;
    b
}

#[test]
fn small_models_verifiers_fit_eip170_and_mainnet_refuses_larger_ones() {
    let m = build("linear_regression");
    assert!(m.verifier.fits_eip170(), "runtime {} bytes", m.verifier.halo2.runtime_size());
    // --optimize verifier trades rows for commitments: the scikit-learn credit model's and the
    // Relu MLP's verifiers then fit
    let opts = zkinfer::compile::CompileOptions { objective: zkinfer_circuits::circuit::cost::Objective::Verifier, ..Default::default() };
    let credit = build_with("credit_gbt", opts.clone());
    assert!(credit.verifier.fits_eip170(), "credit_gbt runtime {} bytes", credit.verifier.halo2.runtime_size());
    let mlp = build_with("mlp_relu", opts);
    assert!(mlp.verifier.fits_eip170(), "mlp_relu runtime {} bytes", mlp.verifier.halo2.runtime_size());
    let big = build("logistic_regression");
    if !big.verifier.fits_eip170() {
        assert!(big.verifier.deploy(&mut Evm::new()).is_err(), "revm enforces EIP-170 like mainnet");
    }
}

#[test]
fn verifiers_accept_valid_proofs_and_reject_bad_ones() {
    let models = [build("linear_regression"), build("logistic_regression"), build("mlp_relu"), build("credit_gbt")];
    for (i, m) in models.iter().enumerate() {
        let other = &models[(i + 1) % models.len()];
        // oversized verifiers (docs/verifier.md) are still checked for soundness, without the limit
        let mut evm = if m.verifier.fits_eip170() { Evm::new() } else { Evm::without_code_size_limit() };
        let (raw, wrapper) = m.verifier.deploy(&mut evm).unwrap();
        let proof = m.bundle.proof_bytes().unwrap();
        let inst = instances(&m.bundle);

        let ok = evm.call(raw, abi::raw_verifier_call(&proof, &inst)).unwrap();
        assert!(ok.success, "valid proof rejected by {}", m.bundle.model_name);
        assert!(returns_true(&evm.call(wrapper, abi::verify_proof_call(&proof, &inst)).unwrap()));

        // tampered proof: a commitment byte and an evaluation byte
        for at in [40, proof.len() - 40] {
            assert!(!evm.call(raw, abi::raw_verifier_call(&flip(&proof, at), &inst)).unwrap().success);
            assert!(!returns_true(&evm.call(wrapper, abi::verify_proof_call(&flip(&proof, at), &inst)).unwrap()));
        }
        // wrong public output (a valid field element, off by one)
        let mut wrong = inst.clone();
        let last = wrong.len() - 1;
        let v = fr_from_hex(m.bundle.instances.last().unwrap()).unwrap() + zkinfer_circuits::halo2_proofs::halo2curves::bn256::Fr::one();
        wrong[last] = hex::decode(&zkinfer::proof::fr_to_hex(&v)[2..]).unwrap().try_into().unwrap();
        assert!(!evm.call(raw, abi::raw_verifier_call(&proof, &wrong)).unwrap().success);
        assert!(!returns_true(&evm.call(wrapper, abi::verify_proof_call(&proof, &wrong)).unwrap()));
        // another model's proof and instances
        let (other_proof, other_inst) = (other.bundle.proof_bytes().unwrap(), instances(&other.bundle));
        assert!(!evm.call(raw, abi::raw_verifier_call(&other_proof, &other_inst)).unwrap().success);
        assert!(!returns_true(&evm.call(wrapper, abi::verify_proof_call(&other_proof, &other_inst)).unwrap()));
    }
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
    let consumer = solc::compile_contract(&[("ZkinferVerifier.sol", WRAPPER_SOURCE), ("RiskScoreConsumer.sol", CONSUMER_SOURCE)], "RiskScoreConsumer", Some(200)).unwrap();
    let n_inputs = 10u64;
    let mut creation = consumer.creation_bytes();
    creation.extend(abi::encode(&[Token::address(wrapper), Token::uint(n_inputs), Token::uint(n_inputs)]));
    let consumer = evm.deploy(creation).unwrap();

    let proof = m.bundle.proof_bytes().unwrap();
    let inst = instances(&m.bundle);
    let submit = |proof: &[u8], inst: &[[u8; 32]]| encode_call("submitScore(bytes,uint256[])", &[Token::Bytes(proof.to_vec()), Token::Words(inst.to_vec())]);

    // unregistered borrower
    let r = evm.call(consumer, submit(&proof, &inst)).unwrap();
    assert_eq!(revert_reason(&r), abi::selector("UnknownAccount()"));

    // the oracle registers the borrower's features (the proof's input instances)
    let commitment = Token::Word(abi::keccak(&inst[..n_inputs as usize].concat()));
    let sender = evm.sender;
    let r = evm.call(consumer, encode_call("registerFeatures(address,bytes32)", &[Token::address(sender), commitment])).unwrap();
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
    assert_eq!(stored, expected as i128);
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
    println!("credit_gbt (hashed input) verify gas: {}, runtime {} bytes", ok.gas_used, m.verifier.halo2.runtime_size());
    // another borrower's commitment in its place
    let mut other = inst.clone();
    other[0][31] ^= 1;
    assert!(!evm.call(raw, abi::raw_verifier_call(&proof, &other)).unwrap().success);
    assert!(!returns_true(&evm.call(wrapper, abi::verify_proof_call(&proof, &other)).unwrap()));
}
