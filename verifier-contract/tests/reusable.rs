//! The reusable verifier on revm: one deployed `ZkinferReusableVerifier` checks every model's
//! proofs against that model's key contract. It accepts a model's valid proof under the model's
//! own key and refuses tampered proofs, wrong or non-canonical instances, a re-encoded proof
//! scalar, another model's proof, and a proof under another model's key or other weights.

mod common;

use common::{compile_and_prove, flip, instances, returns_true, samples};
use std::path::Path;
use zkinfer::proof::fr_from_hex;
use zkinfer_verifier_contract::abi::{self, plus_modulus};
use zkinfer_verifier_contract::deploy::VerifierArtifacts;
use zkinfer_verifier_contract::evm::{CallResult, Evm};
use zkinfer_verifier_contract::reusable::{self, ReusableKey, HEADER_WORDS};
use zkinfer_verifier_contract::Address;

/// EIP-170's limit less the 4 KB the issue asks to keep spare.
const WITH_SPARE: usize = 24_576 - 4_096;

struct Model {
    name: String,
    bundle: zkinfer::ProofBundle,
    key: ReusableKey,
    vk: zkinfer::keys::VerifyingKeyFile,
}

fn build(model: &str, opts: zkinfer::compile::CompileOptions) -> Model {
    let (_, vk, bundle) = compile_and_prove(model, &opts);
    let key = ReusableKey::encode(&vk.srs, &vk.vk, vk.info.num_instances(), vk.info.pinned_params()).unwrap();
    Model { name: model.to_string(), bundle, key, vk }
}

/// Header word `i` of a key (layout in docs/verifier.md).
fn header(key: &ReusableKey, i: usize) -> usize {
    assert!(i < HEADER_WORDS);
    usize::from_be_bytes(key.data()[32 * i + 24..32 * i + 32].try_into().unwrap())
}

struct Chain {
    evm: Evm,
    shared: Address,
}

impl Chain {
    fn new() -> Self {
        let verifier = reusable::compile_verifier().unwrap();
        assert!(verifier.runtime_size() <= WITH_SPARE, "shared verifier: {} bytes", verifier.runtime_size());
        let mut evm = Evm::new();
        let shared = evm.deploy(verifier.creation_bytes()).unwrap();
        Chain { evm, shared }
    }

    fn register(&mut self, m: &Model) -> Address {
        assert!(m.key.runtime_size() <= WITH_SPARE, "{}: key {} bytes", m.name, m.key.runtime_size());
        self.evm.deploy(m.key.creation_code()).unwrap()
    }

    fn verify(&mut self, key: Address, proof: &[u8], inst: &[[u8; 32]]) -> CallResult {
        self.evm.call(self.shared, reusable::verify_call(key, proof, inst)).unwrap()
    }

    fn accepts(&mut self, key: Address, proof: &[u8], inst: &[[u8; 32]]) -> bool {
        returns_true(&self.verify(key, proof, inst))
    }
}

/// `m`'s proof verifies under its key and nothing moved from it does; returns the valid call's gas.
fn accepts_only_its_own_valid_proof(
    chain: &mut Chain,
    m: &Model,
    key: Address,
    other: &Model,
    other_key: Address,
) -> u64 {
    let proof = m.bundle.proof_bytes().unwrap();
    let inst = instances(&m.bundle);
    let name = &m.name;
    let ok = chain.verify(key, &proof, &inst);
    assert!(returns_true(&ok), "{name}: valid proof refused");
    for at in [40, proof.len() - 40] {
        assert!(!chain.accepts(key, &flip(&proof, at), &inst), "{name}: proof byte {at} flipped");
    }
    let mut wrong = inst.clone();
    let last = wrong.len() - 1;
    let v = fr_from_hex(m.bundle.instances.last().unwrap()).unwrap()
        + zkinfer_circuits::halo2_proofs::halo2curves::bn256::Fr::one();
    wrong[last] = hex::decode(&zkinfer::proof::fr_to_hex(&v)[2..]).unwrap().try_into().unwrap();
    assert!(!chain.accepts(key, &proof, &wrong), "{name}: wrong output accepted");
    for i in 0..inst.len() {
        let mut moved = inst.clone();
        moved[i] = plus_modulus(&inst[i]);
        assert!(!chain.accepts(key, &proof, &moved), "{name}: instance {i} + r accepted");
    }
    // the first evaluation, after the witness commitments and the quotient chunks
    let at = 64 * (header(&m.key, 9) + header(&m.key, 10));
    let mut reencoded = proof.clone();
    let word: [u8; 32] = proof[at..at + 32].try_into().unwrap();
    reencoded[at..at + 32].copy_from_slice(&plus_modulus(&word));
    assert!(!chain.accepts(key, &reencoded, &inst), "{name}: evaluation + r accepted");
    assert!(!chain.accepts(key, &proof[..proof.len() - 32], &inst), "{name}: a short proof accepted");
    assert!(!chain.accepts(key, &proof, &inst[..inst.len() - 1]), "{name}: an instance dropped");
    let (other_proof, other_inst) = (other.bundle.proof_bytes().unwrap(), instances(&other.bundle));
    assert!(!chain.accepts(key, &other_proof, &other_inst), "{name}: {}'s proof accepted", other.name);
    assert!(!chain.accepts(other_key, &proof, &inst), "{name}: accepted under {}'s key", other.name);
    assert!(!chain.accepts(chain.shared, &proof, &inst), "{name}: accepted with a non-key contract as key");
    ok.gas_used
}

#[test]
fn one_shared_verifier_checks_each_model_under_its_own_key() {
    let models: Vec<Model> = ["linear_regression", "logistic_regression", "cnn_avgpool"]
        .iter()
        .map(|m| build(m, Default::default()))
        .collect();
    assert!(header(&models[2].key, 7) >= 2, "cnn_avgpool's convolutions make a second phase");
    let mut chain = Chain::new();
    let keys: Vec<Address> = models.iter().map(|m| chain.register(m)).collect();
    for i in 0..models.len() {
        let j = (i + 1) % models.len();
        let gas = accepts_only_its_own_valid_proof(&mut chain, &models[i], keys[i], &models[j], keys[j]);
        let m = &models[i];
        let per_model =
            VerifierArtifacts::build(&m.vk.srs, &m.vk.vk, m.vk.info.num_instances(), m.vk.info.pinned_params())
                .unwrap();
        let mut evm = if per_model.fits_eip170() { Evm::new() } else { Evm::without_code_size_limit() };
        let (_, wrapper) = per_model.deploy(&mut evm).unwrap();
        let own = evm.call(wrapper, abi::verify_proof_call(&m.bundle.proof_bytes().unwrap(), &instances(&m.bundle)));
        let own = own.unwrap();
        assert!(returns_true(&own));
        println!(
            "{}: key {} bytes, {} ops; reusable {gas} gas, per-model {} gas ({:+.1}%)",
            m.name,
            m.key.runtime_size(),
            m.key.num_ops,
            own.gas_used,
            100.0 * (gas as f64 / own.gas_used as f64 - 1.0)
        );
    }
}

#[test]
fn a_key_pins_the_weights_of_a_witness_parameter_model() {
    use zkinfer_circuits::circuit::visibility::{ModelVisibility, Visibility};
    let visibility = ModelVisibility { params: Visibility::Public, ..ModelVisibility::default() };
    let opts = || zkinfer::compile::CompileOptions { visibility, ..Default::default() };
    let m = build("linear_regression", opts());
    assert!(m.vk.info.pinned_params().is_some());
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../models/linear_regression");
    let samples = samples("linear_regression");
    let mut other = zkinfer::compile(&dir.join("model.onnx"), &samples, &opts()).unwrap();
    let weight = other.model.nodes.iter_mut().find_map(|n| match &mut n.op {
        zkinfer_circuits::quantize::QOp::Linear { weight, .. } => Some(weight),
        _ => None,
    });
    weight.unwrap()[0] += 64;
    let srs = zkinfer::srs::generate_insecure(other.params.k, 3).unwrap();
    let (other_pk, _) = zkinfer::setup(&other, srs, Path::new("test-srs")).unwrap();
    let forged = zkinfer::prove(&other, &other_pk, &samples[0]).unwrap();
    let mut chain = Chain::new();
    let key = chain.register(&m);
    assert!(chain.accepts(key, &m.bundle.proof_bytes().unwrap(), &instances(&m.bundle)));
    assert!(
        !chain.accepts(key, &forged.proof_bytes().unwrap(), &instances(&forged)),
        "a proof made with other weights accepted"
    );
}

/// Every bundled model (default layout): its key fits EIP-170 with 4 KB spare, and the reusable
/// verifier gives the same verdict as snark-verifier's native SHPLONK verifier (halo2's
/// `verify_proof`, which `zkinfer verify` runs) on the valid proof and on each of the same
/// tampered ones. (The reusable verifier also refuses a proof with bytes appended, which the
/// native verifier never reads: `accepts_only_its_own_valid_proof` tests the lengths.)
#[test]
fn every_bundled_model_agrees_with_the_native_verifier() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../models");
    let mut names: Vec<String> = std::fs::read_dir(&root)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.path().join("model.onnx").exists())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert!(names.len() >= 10, "{names:?}");
    let models: Vec<Model> = names.iter().map(|name| build(name, Default::default())).collect();
    let mut chain = Chain::new();
    let keys: Vec<Address> = models.iter().map(|m| chain.register(m)).collect();
    for (i, m) in models.iter().enumerate() {
        let h = |i| header(&m.key, i);
        println!(
            "{}: key {} bytes: {} ops, {} constants, {} set words, {} preprocessed, {} Lagrange points",
            m.name,
            m.key.runtime_size(),
            m.key.num_ops,
            h(15),
            h(19),
            h(8),
            h(13)
        );
        let other = &models[(i + 1) % models.len()];
        let mut verdicts = 0;
        for (what, proof, inst) in tampered_cases(m, other) {
            let native = native_verifies(m, &proof, &inst);
            assert_eq!(chain.accepts(keys[i], &proof, &inst), native, "{}: {what}: native says {native}", m.name);
            verdicts += native as usize;
        }
        assert_eq!(verdicts, 1, "{}: only the valid proof is accepted", m.name);
    }
}

/// The valid proof, then proofs and instances moved from it in one way each.
fn tampered_cases(m: &Model, other: &Model) -> Vec<(String, Vec<u8>, Vec<[u8; 32]>)> {
    let proof = m.bundle.proof_bytes().unwrap();
    let inst = instances(&m.bundle);
    let mut cases = vec![("valid".to_string(), proof.clone(), inst.clone())];
    let evaluations_at = 64 * (header(&m.key, 9) + header(&m.key, 10));
    for at in [0, 63, evaluations_at, evaluations_at + 31, proof.len() - 65, proof.len() - 1] {
        cases.push((format!("proof byte {at} flipped"), flip(&proof, at), inst.clone()));
    }
    let mut reencoded = proof.clone();
    let word: [u8; 32] = proof[evaluations_at..evaluations_at + 32].try_into().unwrap();
    reencoded[evaluations_at..evaluations_at + 32].copy_from_slice(&plus_modulus(&word));
    cases.push(("first evaluation + r".into(), reencoded, inst.clone()));
    let last = inst.len() - 1;
    for i in [0, last / 2, last] {
        let mut moved = inst.clone();
        moved[i] = plus_modulus(&inst[i]);
        cases.push((format!("instance {i} + r"), proof.clone(), moved));
        let mut moved = inst.clone();
        moved[i][31] ^= 1;
        cases.push((format!("instance {i} off by one"), proof.clone(), moved));
    }
    if last > 0 {
        let mut swapped = inst.clone();
        swapped.swap(0, last);
        cases.push(("first and last instances swapped".into(), proof.clone(), swapped));
    }
    cases.push(("a short proof".into(), proof[..proof.len() - 32].to_vec(), inst.clone()));
    if other.bundle.instances.len() == inst.len() {
        let other_inst = instances(&other.bundle);
        cases.push((format!("{}'s proof", other.name), other.bundle.proof_bytes().unwrap(), other_inst));
    }
    cases
}

/// snark-verifier's native verdict: canonical instances, then halo2's SHPLONK `verify_proof`
/// over the EVM's Keccak transcript, pairing included.
fn native_verifies(m: &Model, proof: &[u8], inst: &[[u8; 32]]) -> bool {
    let parsed: Option<Vec<_>> = inst.iter().map(|w| fr_from_hex(&format!("0x{}", hex::encode(w)))).collect();
    parsed.is_some_and(|fr| {
        zkinfer_aggregation::shplonk::verifies::<_, zkinfer_aggregation::shplonk::Keccak<&[u8]>>(
            &m.vk.srs, &m.vk.vk, &fr, proof,
        )
    })
}
