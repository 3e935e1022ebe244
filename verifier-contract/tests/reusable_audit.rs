//! The independent audit of `ZkinferReusableVerifier` (issue 15), kept as tests: every word of a proof and every instance moved
//! in several ways (valid other points, non-canonical coordinates, the identity, off-curve points,
//! scalars + 1, + r, 0, negated), odd ABI layouts of the same and of different statements, and
//! gas-limited calls through a forwarder. The reusable verifier must refuse every moved
//! statement, and agree with halo2's native SHPLONK verifier and with snark-verifier's generated
//! EVM verifier (`Halo2Verifier`, raw calldata) on every case.

mod common;

use common::{compile_and_prove, instances, returns_true};
use zkinfer_circuits::halo2_proofs::halo2curves::{
    bn256::{Fq, Fr, G1Affine},
    ff::{Field, PrimeField},
    group::{prime::PrimeCurveAffine, Curve},
    CurveAffine,
};
use zkinfer_verifier_contract::abi::{self, add_words, plus_modulus};
use zkinfer_verifier_contract::deploy::VerifierArtifacts;
use zkinfer_verifier_contract::evm::{CallResult, Evm};
use zkinfer_verifier_contract::reusable::{self, ReusableKey, HEADER_WORDS};
use zkinfer_verifier_contract::Address;

struct Setup {
    name: String,
    proof: Vec<u8>,
    inst: Vec<[u8; 32]>,
    key: ReusableKey,
    vk: zkinfer::keys::VerifyingKeyFile,
    evm: Evm,
    shared: Address,
    key_at: Address,
    raw: Address,
}

fn setup(model: &str) -> Setup {
    let (_, vk, bundle) = compile_and_prove(model, &Default::default());
    let key = ReusableKey::encode(&vk.srs, &vk.vk, vk.info.num_instances(), vk.info.pinned_params()).unwrap();
    let per_model =
        VerifierArtifacts::build(&vk.srs, &vk.vk, vk.info.num_instances(), vk.info.pinned_params()).unwrap();
    let mut evm = Evm::without_code_size_limit();
    let shared = evm.deploy(reusable::compile_verifier().unwrap().creation_bytes()).unwrap();
    let key_at = evm.deploy(key.creation_code()).unwrap();
    let (raw, _) = per_model.deploy(&mut evm).unwrap();
    Setup {
        name: model.to_string(),
        proof: bundle.proof_bytes().unwrap(),
        inst: instances(&bundle),
        key,
        vk,
        evm,
        shared,
        key_at,
        raw,
    }
}

impl Setup {
    fn header(&self, i: usize) -> usize {
        assert!(i < HEADER_WORDS);
        usize::from_be_bytes(self.key.data()[32 * i + 24..32 * i + 32].try_into().unwrap())
    }

    fn reusable(&mut self, proof: &[u8], inst: &[[u8; 32]]) -> bool {
        let r = self.evm.call(self.shared, reusable::verify_call(self.key_at, proof, inst)).unwrap();
        returns_true(&r)
    }

    fn reusable_raw_calldata(&mut self, calldata: Vec<u8>) -> CallResult {
        self.evm.call(self.shared, calldata).unwrap()
    }

    fn snark_verifier_evm(&mut self, proof: &[u8], inst: &[[u8; 32]]) -> bool {
        self.evm.call(self.raw, abi::raw_verifier_call(proof, inst)).unwrap().success
    }

    fn native(&self, proof: &[u8], inst: &[[u8; 32]]) -> bool {
        let parsed: Option<Vec<Fr>> = inst.iter().map(fr_of).collect();
        parsed.is_some_and(|fr| {
            zkinfer_aggregation::shplonk::verifies::<_, zkinfer_aggregation::shplonk::Keccak<&[u8]>>(
                &self.vk.srs,
                &self.vk.vk,
                &fr,
                proof,
            )
        })
    }

    /// All three verdicts; asserts they agree (native and the generated EVM verifier are
    /// compared only on canonical instances, as the generated one is patched to require them).
    fn verdicts(&mut self, what: &str, proof: &[u8], inst: &[[u8; 32]]) -> bool {
        let reusable = self.reusable(proof, inst);
        let native = self.native(proof, inst);
        let evm = self.snark_verifier_evm(proof, inst);
        assert_eq!(reusable, native, "{}: {what}: reusable {reusable}, native {native}", self.name);
        assert_eq!(reusable, evm, "{}: {what}: reusable {reusable}, snark-verifier EVM {evm}", self.name);
        reusable
    }
}

fn be(word: &[u8]) -> [u8; 32] {
    word.try_into().unwrap()
}

fn fr_of(w: &[u8; 32]) -> Option<Fr> {
    let mut repr = *w;
    repr.reverse();
    Option::from(Fr::from_repr(repr))
}

fn fq_of(w: &[u8; 32]) -> Option<Fq> {
    let mut repr = *w;
    repr.reverse();
    Option::from(Fq::from_repr(repr))
}

fn word_fr(v: &Fr) -> [u8; 32] {
    let mut w = v.to_repr();
    w.reverse();
    w
}

fn word_fq(v: &Fq) -> [u8; 32] {
    let mut w = v.to_repr();
    w.reverse();
    w
}

fn q_word() -> [u8; 32] {
    be(&hex::decode("30644e72e131a029b85045b68181585d97816a916871ca8d3c208c16d87cfd47").unwrap())
}

fn with_word(proof: &[u8], at: usize, w: &[u8; 32]) -> Vec<u8> {
    let mut p = proof.to_vec();
    p[at..at + 32].copy_from_slice(w);
    p
}

fn with_point(proof: &[u8], at: usize, x: &[u8; 32], y: &[u8; 32]) -> Vec<u8> {
    with_word(&with_word(proof, at, x), at + 32, y)
}

/// Ways to move the point at `at`: each another encoding, another point, or no point.
fn point_cases(proof: &[u8], at: usize) -> Vec<(String, Vec<u8>)> {
    let (xw, yw) = (be(&proof[at..at + 32]), be(&proof[at + 32..at + 64]));
    let (x, y) = (fq_of(&xw).unwrap(), fq_of(&yw).unwrap());
    let p = G1Affine::from_xy(x, y).unwrap();
    let mut cases = vec![
        ("negated".to_string(), with_point(proof, at, &xw, &word_fq(&-y))),
        ("doubled".to_string(), {
            let d = (p.to_curve() + p).to_affine();
            with_point(proof, at, &word_fq(&d.x), &word_fq(&d.y))
        }),
        ("generator".to_string(), {
            let g = G1Affine::generator();
            with_point(proof, at, &word_fq(&g.x), &word_fq(&g.y))
        }),
        ("identity (0,0)".to_string(), with_point(proof, at, &[0; 32], &[0; 32])),
        ("off the curve".to_string(), with_point(proof, at, &xw, &word_fq(&(y + Fq::ONE)))),
    ];
    if let Some(yq) = add_words(&yw, &q_word()) {
        cases.push(("y + q".to_string(), with_point(proof, at, &xw, &yq)));
    }
    if let Some(xq) = add_words(&xw, &q_word()) {
        cases.push(("x + q".to_string(), with_point(proof, at, &xq, &yw)));
    }
    cases
}

fn scalar_cases(proof: &[u8], at: usize) -> Vec<(String, Vec<u8>)> {
    let w = be(&proof[at..at + 32]);
    let v = fr_of(&w).unwrap();
    let mut cases = vec![
        ("+1".to_string(), with_word(proof, at, &word_fr(&(v + Fr::ONE)))),
        ("negated".to_string(), with_word(proof, at, &word_fr(&-v))),
        ("+r".to_string(), with_word(proof, at, &plus_modulus(&w))),
    ];
    if v != Fr::ZERO {
        cases.push(("zero".to_string(), with_word(proof, at, &[0; 32])));
    }
    cases
}

fn exhaustive(model: &str) {
    let mut s = setup(model);
    let (proof, inst) = (s.proof.clone(), s.inst.clone());
    assert!(s.verdicts("valid", &proof, &inst), "{model}: the valid proof");
    let (w, q, e) = (s.header(9), s.header(10), s.header(12));
    assert_eq!(proof.len(), 64 * (w + q + 2) + 32 * e);
    let mut cases = Vec::new();
    for i in 0..w + q {
        for (how, p) in point_cases(&proof, 64 * i) {
            cases.push((format!("commitment {i} {how}"), p));
        }
    }
    let evals = 64 * (w + q);
    for i in 0..e {
        for (how, p) in scalar_cases(&proof, evals + 32 * i) {
            cases.push((format!("evaluation {i} {how}"), p));
        }
    }
    for (name, at) in [("W", evals + 32 * e), ("W'", evals + 32 * e + 64)] {
        for (how, p) in point_cases(&proof, at) {
            cases.push((format!("{name} {how}"), p));
        }
    }
    // W and W' swapped
    let mut swapped = proof.clone();
    let at = evals + 32 * e;
    swapped[at..at + 64].copy_from_slice(&proof[at + 64..at + 128]);
    swapped[at + 64..at + 128].copy_from_slice(&proof[at..at + 64]);
    cases.push(("W and W' swapped".into(), swapped));
    let n = cases.len();
    for (what, p) in cases {
        assert!(!s.verdicts(&what, &p, &inst), "{model}: {what} accepted");
    }
    // the instances
    let mut inst_cases: Vec<(String, Vec<[u8; 32]>)> = Vec::new();
    for i in 0..inst.len() {
        let v = fr_of(&inst[i]).unwrap();
        for (how, word) in [
            ("+1", word_fr(&(v + Fr::ONE))),
            ("-1", word_fr(&(v - Fr::ONE))),
            ("negated", word_fr(&-v)),
            ("+r", plus_modulus(&inst[i])),
            ("all ones", [0xff; 32]),
        ] {
            if word == inst[i] {
                continue;
            }
            let mut moved = inst.clone();
            moved[i] = word;
            inst_cases.push((format!("instance {i} {how}"), moved));
        }
    }
    if inst.len() > 1 {
        let mut rotated = inst.clone();
        rotated.rotate_left(1);
        if rotated != inst {
            inst_cases.push(("instances rotated".into(), rotated));
        }
    }
    let m = inst_cases.len();
    for (what, i) in inst_cases {
        let canonical = i.iter().all(|w| fr_of(w).is_some());
        let accepted = if canonical { s.verdicts(&what, &proof, &i) } else { s.reusable(&proof, &i) };
        assert!(!accepted, "{model}: {what} accepted");
    }
    println!("{model}: {n} moved proofs and {m} moved instance vectors refused; verdicts agree");
}

#[test]
fn every_proof_word_and_instance_moved_is_refused_linear_regression() {
    exhaustive("linear_regression");
}

#[test]
#[ignore = "audit scale (about 2 minutes): cargo test --release --test reusable_audit -- --ignored"]
fn every_proof_word_and_instance_moved_is_refused_cnn_avgpool() {
    // two phases, lookups, more than one SHPLONK set with several rotations
    exhaustive("cnn_avgpool");
}

// ---- ABI layouts ----

fn selector() -> [u8; 4] {
    abi::selector("verifyProof(address,bytes,uint256[])")
}

fn word(v: usize) -> [u8; 32] {
    let mut w = [0u8; 32];
    w[24..].copy_from_slice(&(v as u64).to_be_bytes());
    w
}

/// Calldata with the proof's and the instances' data at chosen offsets (relative to the first
/// argument), in a body of `body_len` bytes that starts with the three head words.
fn laid_out(key: Address, proof_at: usize, proof: &[u8], inst_at: usize, inst: &[[u8; 32]], fill: u8) -> Vec<u8> {
    let end = (proof_at + 32 + proof.len().div_ceil(32) * 32).max(inst_at + 32 + 32 * inst.len());
    let mut body = vec![fill; end];
    body[..32].copy_from_slice(&abi::address_word(key));
    body[32..64].copy_from_slice(&word(proof_at));
    body[64..96].copy_from_slice(&word(inst_at));
    body[proof_at..proof_at + 32].copy_from_slice(&word(proof.len()));
    body[proof_at + 32..proof_at + 32 + proof.len()].copy_from_slice(proof);
    body[inst_at..inst_at + 32].copy_from_slice(&word(inst.len()));
    for (i, w) in inst.iter().enumerate() {
        body[inst_at + 32 + 32 * i..inst_at + 64 + 32 * i].copy_from_slice(w);
    }
    let mut data = selector().to_vec();
    data.extend(body);
    data
}

/// Layouts the ABI allows for the same `(proof, instances)`: instances before the proof, dirty
/// padding, unaligned offsets, trailing bytes. Each decodes to the same statement, so the valid
/// proof must verify under every one, and a wrong output under none.
#[test]
fn abi_layouts_decode_to_the_statement_they_encode() {
    let mut s = setup("linear_regression");
    let (proof, inst) = (s.proof.clone(), s.inst.clone());
    let mut wrong = inst.clone();
    let last = wrong.len() - 1;
    wrong[last] = word_fr(&(fr_of(&wrong[last]).unwrap() + Fr::ONE));
    let pl = 32 + proof.len();
    let il = 32 + 32 * inst.len();
    let layouts: Vec<(&str, usize, usize, u8)> = vec![
        ("standard", 96, 96 + pl.div_ceil(32) * 32, 0),
        ("instances first", 96 + il, 96, 0),
        ("dirty padding and gaps", 96 + 7, 96 + 7 + pl + 13, 0xab),
        ("unaligned, far", 96 + 1000 + 3, 96 + 5, 0xff),
    ];
    for (what, pa, ia, fill) in layouts {
        let mut good = laid_out(s.key_at, pa, &proof, ia, &inst, fill);
        let r = s.reusable_raw_calldata(good.clone());
        assert!(returns_true(&r), "{what}: the valid statement refused");
        good.extend([0x5a; 77]);
        assert!(returns_true(&s.reusable_raw_calldata(good)), "{what}: trailing bytes changed the verdict");
        let bad = laid_out(s.key_at, pa, &proof, ia, &wrong, fill);
        assert!(!returns_true(&s.reusable_raw_calldata(bad)), "{what}: a wrong output accepted");
    }
    // the instances' array overlapping the proof's bytes: they decode to other values, refused
    let overlap = {
        let mut d = laid_out(s.key_at, 96, &proof, 96, &inst, 0);
        d[4 + 64..4 + 96].copy_from_slice(&word(96 + 32 + 64 - 32)); // the array's length word inside the proof
        d
    };
    let r = s.reusable_raw_calldata(overlap);
    assert!(!returns_true(&r), "overlapping instances accepted");
    // (a length word read from proof bytes is far past the calldata: Solidity's decoder reverts)
    assert!(!r.success, "the ABI decoder let an out-of-range array through");
    // lengths pointing past the calldata revert in the ABI decoder: never true
    let mut past = laid_out(s.key_at, 96, &proof, 96 + pl.div_ceil(32) * 32, &inst, 0);
    let n = past.len();
    past.truncate(n - 32);
    let r = s.reusable_raw_calldata(past);
    assert!(!returns_true(&r), "a truncated instance array accepted");
    assert!(!r.success, "a truncated instance array decoded");
}

// ---- gas-limited calls ----

/// A forwarder: calldata `gas ‖ target ‖ inner calldata`; it `STATICCALL`s `target` with exactly
/// `gas` and returns `(first returned word, success, returndatasize)`.
fn forwarder_code() -> Vec<u8> {
    vec![
        0x36, 0x60, 0x40, 0x90, 0x03, // len = calldatasize - 0x40
        0x80, 0x60, 0x40, 0x60, 0x00, 0x37, // calldatacopy(0, 0x40, len)
        0x60, 0x20, 0x60, 0x00, 0x82, 0x60, 0x00, // retSize 0x20, retOffset 0, argsSize len, argsOffset 0
        0x60, 0x20, 0x35, 0x60, 0x00, 0x35, 0xfa, // target, gas, STATICCALL
        0x60, 0x20, 0x52, // mstore(0x20, success)
        0x3d, 0x60, 0x40, 0x52, // mstore(0x40, returndatasize)
        0x60, 0x60, 0x60, 0x00, 0xf3, // return(0, 0x60)
    ]
}

/// Whether the verifier, given exactly `gas`, returned success with one word equal to 1.
fn with_gas(s: &mut Setup, fwd: Address, gas: u64, proof: &[u8], inst: &[[u8; 32]]) -> bool {
    let mut data = word(gas as usize).to_vec();
    data.extend(abi::address_word(s.shared));
    data.extend(reusable::verify_call(s.key_at, proof, inst));
    let r = s.evm.call(fwd, data).unwrap();
    assert!(r.success && r.output.len() == 96);
    let ok = r.output[63] == 1;
    let rds = usize::from_be_bytes(r.output[88..96].try_into().unwrap());
    ok && rds == 32 && r.output[..31].iter().all(|&b| b == 0) && r.output[31] == 1
}

/// With any gas limit, a failing precompile or numerator call is a refusal: a wrong output is
/// refused at every gas limit, and the valid proof is accepted exactly from some limit up.
#[test]
#[ignore = "audit scale (thousands of calls): cargo test --release --test reusable_audit -- --ignored"]
fn no_gas_limit_turns_a_refusal_into_an_acceptance() {
    let mut s = setup("linear_regression");
    let fwd = s.evm.deploy(reusable::creation_code(&forwarder_code())).unwrap();
    let (proof, inst) = (s.proof.clone(), s.inst.clone());
    let mut wrong = inst.clone();
    let last = wrong.len() - 1;
    wrong[last] = word_fr(&(fr_of(&wrong[last]).unwrap() + Fr::ONE));
    let mut tampered = proof.clone();
    let at = 64 * (s.header(9) + s.header(10));
    tampered[at..at + 32].copy_from_slice(&word_fr(&(fr_of(&be(&proof[at..at + 32])).unwrap() + Fr::ONE)));
    assert!(with_gas(&mut s, fwd, 10_000_000, &proof, &inst));
    // the smallest limit that verifies
    let (mut lo, mut hi) = (0u64, 10_000_000u64);
    while hi - lo > 1 {
        let mid = (lo + hi) / 2;
        if with_gas(&mut s, fwd, mid, &proof, &inst) {
            hi = mid
        } else {
            lo = mid
        }
    }
    println!("the valid proof verifies from {hi} gas");
    let mut accepted_below = Vec::new();
    let mut g = 1_000u64;
    while g <= hi + 200_000 {
        if g < hi && with_gas(&mut s, fwd, g, &proof, &inst) {
            accepted_below.push(g);
        }
        assert!(!with_gas(&mut s, fwd, g, &proof, &wrong), "a wrong output accepted with {g} gas");
        assert!(!with_gas(&mut s, fwd, g, &tampered, &inst), "a tampered evaluation accepted with {g} gas");
        g += 997;
    }
    // every gas around the threshold, one by one
    for g in hi.saturating_sub(3_000)..hi + 3_000 {
        assert!(!with_gas(&mut s, fwd, g, &proof, &wrong), "a wrong output accepted with {g} gas");
    }
    assert!(accepted_below.is_empty(), "valid proof accepted below the threshold at {accepted_below:?}");
}
