//! Aggregation end to end, kept small for CI: two proofs of the linear regression, compiled with
//! a salted input (each proof shows its owner, the Poseidon commitment to (owner, salt,
//! features), then its output),
//! aggregated once at k = 20 and shared by the tests below. The aggregate verifies in Rust and on
//! revm; changed inner instances, swapped proofs, an inner proof made for the EVM or under
//! another ceremony are refused; BatchRiskScores accepts the batch once, for the borrowers whose
//! commitments it carries. The N = 8/16 figures come from benches/aggregate.sh, not from here.

use std::path::Path;
use std::sync::OnceLock;
use zkinfer::proof::{fr_from_hex, fr_to_bounded, fr_to_hex, Transcript};
use zkinfer::{AggregateBundle, AggregateKeyFile, ProofBundle, VerifyingKeyFile};
use zkinfer_circuits::circuit::visibility::{ModelVisibility, Visibility};
use zkinfer_circuits::halo2_proofs::halo2curves::bn256::Fr;
use zkinfer_verifier_contract::abi::{self, address_word, encode_call, plus_modulus, raw_verifier_call, Token};
use zkinfer_verifier_contract::deploy::{BATCH_SCORES_SOURCE, INSTANCES_SOURCE, WRAPPER_SOURCE};
use zkinfer_verifier_contract::evm::{CallResult, Evm};
use zkinfer_verifier_contract::generate::aggregate_verifier_source;
use zkinfer_verifier_contract::solc::{compile_contract, Compiled, Optimizer};
use zkinfer_verifier_contract::Address;

/// The aggregation SRS's k: the aggregation circuit of two small proofs fits 2^20 rows in a few
/// advice columns.
const AGGREGATION_K: u32 = 20;
const LIMBS: usize = 12;
/// A slot's instances: the owner, the commitment, the output.
const SLOT: usize = 3;
/// The last byte of each borrower's address, in slot order.
const BORROWERS: [u8; 2] = [0xb1, 0xb2];

/// A borrower's salted-input opening: the address as the owner, a salt of their own.
fn opening_of(who: Address) -> zkinfer::input::Opening {
    let owner = zkinfer::input::field_element(&format!("{who:#x}"), "owner").unwrap();
    zkinfer::input::Opening { owner, salt: owner.square() + Fr::from(0x5a17u64) }
}

fn model_dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../models/linear_regression")
}

/// Everything the tests share: the inner proofs and their key, the model, the aggregate.
struct Aggregated {
    srs: zkinfer::srs::Srs,
    bundles: Vec<ProofBundle>,
    vk: VerifyingKeyFile,
    compiled: zkinfer::CompiledModel,
    pk: zkinfer::ProvingKeyFile,
    aggregate: AggregateBundle,
    key: AggregateKeyFile,
}

fn aggregated() -> &'static Aggregated {
    static SHARED: OnceLock<Aggregated> = OnceLock::new();
    SHARED.get_or_init(|| {
        let srs = zkinfer::srs::generate_insecure(AGGREGATION_K, 11).unwrap();
        let dir = model_dir();
        let samples: Vec<_> =
            ["input.json", "input2.json"].iter().map(|f| zkinfer::input::read_input(&dir.join(f)).unwrap()).collect();
        let visibility = ModelVisibility { input: Visibility::Salted, ..ModelVisibility::default() };
        let options = zkinfer::CompileOptions { visibility, ..Default::default() };
        let compiled = zkinfer::compile(&dir.join("model.onnx"), &samples, &options).unwrap();
        let (pk, vk) = zkinfer::setup(&compiled, srs.clone(), Path::new("aggregation-srs")).unwrap();
        let bundles: Vec<ProofBundle> = samples
            .iter()
            .zip(BORROWERS)
            .map(|(x, who)| {
                let opening = opening_of(Address::with_last_byte(who));
                zkinfer::proof::prove_opened(&compiled, &pk, x, Some(&opening), Transcript::Poseidon).unwrap()
            })
            .collect();
        for b in &bundles {
            zkinfer::verify(&vk, b).expect("a Poseidon-transcript proof verifies on its own");
            assert_eq!(b.instances.len(), SLOT, "a slot is the owner, the commitment, then the output");
        }
        let (aggregate, key) =
            zkinfer::aggregate(&[(&bundles[0], &vk), (&bundles[1], &vk)], srs.clone(), None).unwrap();
        eprintln!("aggregation layout of 2 proofs: {:?}", key.info.layout.config);
        Aggregated { srs, bundles, vk, compiled, pk, aggregate, key }
    })
}

fn with_instance(bundle: &AggregateBundle, at: usize) -> AggregateBundle {
    let mut b = bundle.clone();
    let v = fr_from_hex(&b.instances[at]).unwrap() + Fr::one();
    b.instances[at] = fr_to_hex(&v);
    b
}

#[test]
fn proofs_that_cannot_aggregate_are_refused_before_proving() {
    let a = aggregated();
    let x = zkinfer::input::read_input(&model_dir().join("input.json")).unwrap();
    let opening = opening_of(Address::with_last_byte(BORROWERS[0]));
    let evm_proof = zkinfer::proof::prove_opened(&a.compiled, &a.pk, &x, Some(&opening), Transcript::Evm).unwrap();
    let err =
        zkinfer::aggregate(&[(&a.bundles[0], &a.vk), (&evm_proof, &a.vk)], a.srs.clone(), None).err().expect("refused");
    assert!(err.to_string().contains("--for-aggregation"), "{err}");
    let other_ceremony = VerifyingKeyFile {
        info: a.vk.info.clone(),
        srs: zkinfer::srs::generate_insecure(a.compiled.params.k, 12).unwrap(),
        vk: a.vk.vk.clone(),
    };
    let err = zkinfer::aggregate(&[(&a.bundles[0], &other_ceremony)], a.srs.clone(), None).err().expect("refused");
    assert!(err.to_string().contains("another ceremony"), "{err}");
    // an inner bundle whose stated output differs from its instances
    let mut lying = a.bundles[1].clone();
    lying.outputs[0].values[0] += 1.0;
    let err =
        zkinfer::aggregate(&[(&a.bundles[0], &a.vk), (&lying, &a.vk)], a.srs.clone(), None).err().expect("refused");
    assert!(err.to_string().contains("proof #1"), "{err}");
}

#[test]
fn two_proofs_aggregate_and_verify_and_tampering_is_refused() {
    let Aggregated { bundles, aggregate, key, .. } = aggregated();
    let n_inner = bundles[0].instances.len();
    assert_eq!(aggregate.instances.len(), LIMBS + 2 * n_inner);
    assert_eq!(&aggregate.instances[LIMBS + n_inner..], &bundles[1].instances[..]);
    zkinfer::verify_aggregate(key, aggregate).expect("the aggregate verifies");

    // the files round-trip
    let dir = tempfile::tempdir().unwrap();
    key.save(&dir.path().join("aggregate.vk")).unwrap();
    aggregate.save(&dir.path().join("aggregate.json")).unwrap();
    let key = AggregateKeyFile::load(&dir.path().join("aggregate.vk")).unwrap();
    let aggregate = AggregateBundle::load(&dir.path().join("aggregate.json")).unwrap();
    zkinfer::verify_aggregate(&key, &aggregate).expect("the reloaded aggregate verifies");

    // a changed inner output and commitment, each with the inner bundle changed alike (a
    // consistent lie): the bundle's claims match, the aggregate proof does not
    for at in [LIMBS, LIMBS + n_inner - 1] {
        let mut tampered = with_instance(&aggregate, at);
        tampered.proofs[0].instances[at - LIMBS] = tampered.instances[at].clone();
        let err = zkinfer::verify_aggregate(&key, &tampered).unwrap_err().to_string();
        assert!(err.contains("inner proof #0") || err.contains("does not verify"), "{err}");
    }
    // the aggregate's instance alone changed: it no longer carries the inner proof's
    let err = zkinfer::verify_aggregate(&key, &with_instance(&aggregate, LIMBS + 1)).unwrap_err().to_string();
    assert!(err.contains("not the ones the aggregate carries"), "{err}");
    // an accumulator limb changed
    assert!(zkinfer::verify_aggregate(&key, &with_instance(&aggregate, 0)).is_err());
    // the proofs swapped: their instances no longer sit where the aggregate has them
    let mut swapped = aggregate.clone();
    swapped.proofs.swap(0, 1);
    assert!(zkinfer::verify_aggregate(&key, &swapped).is_err());
}

/// The aggregate's generated Halo2Verifier, compiled once for the tests that deploy it (solc-js
/// over its unrolled code is not quick).
fn aggregate_verifier() -> &'static Compiled {
    static SHARED: OnceLock<Compiled> = OnceLock::new();
    SHARED.get_or_init(|| {
        let Aggregated { key, .. } = aggregated();
        let source = aggregate_verifier_source(&key.srs, &key.vk, key.info.layout.num_instances, LIMBS);
        let verifier =
            compile_contract(&[("Halo2Verifier.sol", &source)], "Halo2Verifier", Optimizer::OpcodeOnly { runs: 1 })
                .expect("solc-js compiles the aggregate verifier");
        eprintln!("aggregate verifier of 2 proofs: {} bytes of runtime", verifier.runtime_size());
        verifier
    })
}

/// The aggregate's Halo2Verifier and its ZkinferVerifier wrapper, deployed without EIP-170 (the
/// aggregate verifier is larger than mainnet allows: docs/gas.md).
fn deployed_verifier(evm: &mut Evm) -> (Address, Address) {
    let Aggregated { key, .. } = aggregated();
    let n = key.info.layout.num_instances;
    let halo2 = evm.deploy(aggregate_verifier().creation_bytes()).unwrap();
    let wrapper =
        compile_contract(&[("ZkinferVerifier.sol", WRAPPER_SOURCE)], "ZkinferVerifier", Optimizer::Full { runs: 200 })
            .unwrap();
    let mut creation = wrapper.creation_bytes();
    let nothing_pinned = Token::Word([0u8; 32]);
    creation.extend(abi::encode(&[
        Token::address(halo2),
        Token::uint(n as u64),
        Token::uint(n as u64),
        nothing_pinned,
    ]));
    (halo2, evm.deploy(creation).unwrap())
}

#[test]
fn the_aggregate_verifies_on_the_evm_and_tampering_is_refused() {
    let Aggregated { aggregate, bundles, .. } = aggregated();
    let mut evm = Evm::without_code_size_limit();
    let (address, _) = deployed_verifier(&mut evm);
    let out_at = LIMBS + bundles[0].instances.len() - 1;
    let proof = aggregate.proof_bytes().unwrap();
    let words = aggregate.instance_words().unwrap();
    let valid = evm.call(address, raw_verifier_call(&proof, &words)).unwrap();
    assert!(valid.success, "the EVM verifier accepts the aggregate (gas {})", valid.gas_used);
    eprintln!("aggregate of 2: {} gas", valid.gas_used);
    for at in [0, LIMBS, out_at, words.len() - 1] {
        let mut w = words.clone();
        w[at][31] ^= 1;
        assert!(!evm.call(address, raw_verifier_call(&proof, &w)).unwrap().success, "instance {at} changed");
    }
    let mut bad = proof.clone();
    bad[100] ^= 1;
    assert!(!evm.call(address, raw_verifier_call(&bad, &words)).unwrap().success, "proof changed");
    // a non-canonical instance (w + r) is refused as well
    let mut w = words.clone();
    w[LIMBS] = plus_modulus(&w[LIMBS]);
    assert!(!evm.call(address, raw_verifier_call(&proof, &w)).unwrap().success, "non-canonical instance");
}

fn signed_word(v: i128) -> Token {
    let mut w = if v < 0 { [0xffu8; 32] } else { [0u8; 32] };
    w[16..].copy_from_slice(&v.to_be_bytes());
    Token::Word(w)
}

fn reverted_with(r: &CallResult, error: &str) {
    assert!(!r.success, "expected {error}, the call succeeded");
    assert_eq!(r.output.get(..4), Some(&abi::selector(error)[..]), "expected {error}");
}

#[test]
fn batch_risk_scores_accepts_one_aggregate_for_its_registered_borrowers() {
    let Aggregated { aggregate, bundles, .. } = aggregated();
    let mut evm = Evm::without_code_size_limit();
    let (_, verifier) = deployed_verifier(&mut evm);
    let sources = [
        ("ZkinferVerifier.sol", WRAPPER_SOURCE),
        ("ZkinferInstances.sol", INSTANCES_SOURCE),
        ("BatchRiskScores.sol", BATCH_SCORES_SOURCE),
    ];
    let contract = compile_contract(&sources, "BatchRiskScores", Optimizer::Full { runs: 200 }).unwrap();
    // the model's output is the "risk": the first borrower's is at most the limit, the second's above
    let risks: Vec<i128> =
        bundles.iter().map(|b| fr_to_bounded(&fr_from_hex(&b.instances[2]).unwrap(), None).unwrap()).collect();
    assert_ne!(risks[0], risks[1], "the two inputs give different outputs");
    let (low, high) = if risks[0] < risks[1] { (0, 1) } else { (1, 0) };
    let window = 3600u64;
    let mut creation = contract.creation_bytes();
    creation.extend(abi::encode(&[
        Token::address(verifier),
        Token::Word([7u8; 32]),
        Token::uint(SLOT as u64),
        Token::uint(0),
        Token::uint(1),
        Token::uint(2),
        signed_word(risks[low]),
        Token::uint(window),
        Token::uint(1000),
        Token::uint(25000),
    ]));
    evm.set_timestamp(1_000_000);
    let scores = evm.deploy(creation).unwrap();

    let borrowers = BORROWERS.map(Address::with_last_byte);
    let proof = aggregate.proof_bytes().unwrap();
    let words = aggregate.instance_words().unwrap();
    let submit = |words: &[[u8; 32]], who: &[Address]| {
        let who: Vec<[u8; 32]> = who.iter().map(|a| address_word(*a)).collect();
        encode_call(
            "submitScores(bytes,uint256[],address[])",
            &[Token::Bytes(proof.clone()), Token::Words(words.to_vec()), Token::Words(who)],
        )
    };
    let register = |who: Address, commitment: [u8; 32]| {
        encode_call("registerBorrower(address,uint256)", &[Token::address(who), Token::Word(commitment)])
    };
    let limit = |evm: &mut Evm, who: Address| {
        let r = evm.call(scores, encode_call("creditLimit(address)", &[Token::address(who)])).unwrap();
        u64::from_be_bytes(r.output[24..32].try_into().unwrap())
    };

    let commitment_of = |i: usize| words[LIMBS + SLOT * i + 1];
    reverted_with(&evm.call(scores, submit(&words, &borrowers)).unwrap(), "UnknownBorrower(address)");
    // the oracle registers borrower 0 with borrower 1's commitment: the owner matches, the
    // commitment does not
    assert!(evm.call(scores, register(borrowers[0], commitment_of(1))).unwrap().success);
    assert!(evm.call(scores, register(borrowers[1], commitment_of(1))).unwrap().success);
    reverted_with(&evm.call(scores, submit(&words, &borrowers)).unwrap(), "CommitmentMismatch(address)");
    for (i, &who) in borrowers.iter().enumerate() {
        assert!(evm.call(scores, register(who, commitment_of(i))).unwrap().success);
    }
    // each slot names its owner: the borrowers listed in another order, a wrong count, a lowered
    // risk, a non-canonical instance
    reverted_with(&evm.call(scores, submit(&words, &[borrowers[1], borrowers[0]])).unwrap(), "OwnerMismatch(address)");
    reverted_with(&evm.call(scores, submit(&words, &borrowers[..1])).unwrap(), "BadInstances()");
    let mut lowered = words.clone();
    lowered[LIMBS + SLOT * high + 2] = words[LIMBS + SLOT * low + 2];
    reverted_with(&evm.call(scores, submit(&lowered, &borrowers)).unwrap(), "InvalidProof()");
    let mut noncanonical = words.clone();
    noncanonical[LIMBS + 2] = plus_modulus(&words[LIMBS + 2]);
    reverted_with(&evm.call(scores, submit(&noncanonical, &borrowers)).unwrap(), "InvalidProof()");

    let accepted = evm.call(scores, submit(&words, &borrowers)).unwrap();
    assert!(accepted.success, "the batch is accepted");
    eprintln!("BatchRiskScores, 2 scores: {} gas ({} per score)", accepted.gas_used, accepted.gas_used / 2);
    assert_eq!(limit(&mut evm, borrowers[low]), 25000, "the low-risk borrower's limit is raised");
    assert_eq!(limit(&mut evm, borrowers[high]), 1000, "the high-risk borrower stays at the base");
    reverted_with(&evm.call(scores, submit(&words, &borrowers)).unwrap(), "ProofReplayed(address)");

    // past the staleness window: the score reads as expired, the features as stale
    evm.set_timestamp(1_000_000 + window + 1);
    let current = encode_call("currentRisk(address)", &[Token::address(borrowers[low])]);
    reverted_with(&evm.call(scores, current.clone()).unwrap(), "ScoreExpired(address)");
    reverted_with(&evm.call(scores, submit(&words, &borrowers)).unwrap(), "FeaturesExpired(address)");
    // registered again, the same features are scored once more: the replay key is the
    // registration, not the proof
    for (i, &who) in borrowers.iter().enumerate() {
        assert!(evm.call(scores, register(who, commitment_of(i))).unwrap().success);
    }
    assert!(evm.call(scores, submit(&words, &borrowers)).unwrap().success);
    assert!(evm.call(scores, current).unwrap().success, "a fresh score reads");
}

fn vk_bytes(
    vk: &zkinfer_circuits::halo2_proofs::plonk::VerifyingKey<
        zkinfer_circuits::halo2_proofs::halo2curves::bn256::G1Affine,
    >,
) -> Vec<u8> {
    let mut bytes = Vec::new();
    vk.write(&mut bytes, zkinfer_circuits::halo2_proofs::SerdeFormat::RawBytes).unwrap();
    bytes
}

/// The aggregator's aggregate.vk need not be trusted: a verifier makes the same key from the
/// model keys it trusts (`aggregate-setup`), and a key made from another model's refuses the
/// aggregate, even under this model's name and scales.
#[test]
fn a_verifier_makes_the_aggregation_key_from_the_model_keys_it_trusts() {
    let Aggregated { srs, vk, aggregate, key, .. } = aggregated();
    let own = zkinfer::aggregate::aggregation_keys(&[vk, vk], srs.clone(), None).unwrap();
    assert_eq!(vk_bytes(&own.vk), vk_bytes(&key.vk), "the same halo2 key as the aggregator's");
    assert_eq!(serde_json::to_string(&own.info).unwrap(), serde_json::to_string(&key.info).unwrap());
    zkinfer::verify_aggregate(&own, aggregate).expect("the aggregate verifies under the verifier's own key");

    // another model (the same network laid out in other columns: another verifying key)
    let dir = model_dir();
    let samples: Vec<_> =
        ["input.json", "input2.json"].iter().map(|f| zkinfer::input::read_input(&dir.join(f)).unwrap()).collect();
    let visibility = ModelVisibility { input: Visibility::Hashed, ..ModelVisibility::default() };
    let options = zkinfer::CompileOptions { visibility, width: Some(12), ..Default::default() };
    let other = zkinfer::compile(&dir.join("model.onnx"), &samples, &options).unwrap();
    let (_, other_vk) = zkinfer::setup(&other, srs.clone(), Path::new("aggregation-srs")).unwrap();
    assert_ne!(vk_bytes(&other_vk.vk), vk_bytes(&vk.vk));
    let theirs = zkinfer::aggregate::aggregation_keys(&[&other_vk, &other_vk], srs.clone(), None).unwrap();
    let posing = AggregateKeyFile { info: key.info.clone(), srs: theirs.srs, vk: theirs.vk };
    let err = zkinfer::verify_aggregate(&posing, aggregate).unwrap_err().to_string();
    assert!(err.contains("does not verify"), "{err}");
}
