//! The reusable verifier: one deployed `ZkinferReusableVerifier` checks any zkinfer model's
//! proof, given that model's **key contract**, whose code is the verifying key encoded here.
//! Registering a model deploys only its key.
//!
//! The key is snark-verifier's own description of the verifier (`PlonkProtocol`, compiled from
//! the halo2 verifying key) with everything that does not depend on the proof worked out off
//! chain: the transcript's shape, the preprocessed commitments, the Lagrange points, SHPLONK's
//! query sets with their interpolation constants ([`sets`]), and the numerator (every gate, the
//! permutation and the lookups) as straight-line EVM code ([`numerator`]): the key contract's
//! code *is* that numerator, which the shared verifier `STATICCALL`s with the value table, and its
//! data follows the code. The contract replays the same Keccak transcript and the same BDFG21
//! multi-open as snark-verifier's unrolled verifier, in loops, so both accept the same proofs.
//! The layout of the key, word by word, is in docs/verifier.md.

pub mod numerator;
pub mod sets;

use crate::deploy::PinnedParams;
use crate::generate::protocol;
use halo2_proofs::{
    halo2curves::{
        bn256::{Bn256, Fq, Fr, G1Affine, G2Affine},
        ff::{Field, PrimeField},
    },
    plonk::VerifyingKey,
    poly::{commitment::ParamsProver, kzg::commitment::ParamsKZG},
};
use numerator::{Constants, Node, Program};
use snark_verifier_sdk::snark_verifier::verifier::plonk::PlonkProtocol;
use std::cell::RefCell;

/// The first word of every key's data: `"zkinfer-key-v2"`, right-aligned.
pub const MAGIC: &[u8] = b"zkinfer-key-v2";
/// The key contract's first bytes: `PUSH2 <where the data starts>`, `POP`; the numerator follows.
pub const PROLOGUE_BYTES: usize = 4;
/// Words before the first variable section.
pub const HEADER_WORDS: usize = 30;

/// Where each value the numerator and the multi-open read sits in the verifier's value table.
struct Slots {
    challenges: usize,
    lagranges: usize,
    evals: usize,
    instance_eval: usize,
    quotient_eval: usize,
    constants: usize,
}

impl Slots {
    fn new(num_challenges: usize, num_lagranges: usize, num_evals: usize) -> Self {
        let challenges = 1; // slot 0 is z
        let lagranges = challenges + num_challenges;
        let evals = lagranges + num_lagranges;
        let instance_eval = evals + num_evals;
        let quotient_eval = instance_eval + 1;
        Slots { challenges, lagranges, evals, instance_eval, quotient_eval, constants: quotient_eval + 1 }
    }
}

/// A model's key for the reusable verifier, and what the encoder learned about it.
pub struct ReusableKey {
    /// The key contract's runtime code: the prologue, the numerator's code, then the data.
    pub runtime: Vec<u8>,
    /// Where the data (the header and the sections after it) starts in `runtime`.
    pub data_start: usize,
    /// Instructions of the numerator program.
    pub num_ops: usize,
}

impl ReusableKey {
    /// Encodes the key of a model whose proofs carry `num_instances` public values, with the
    /// parameter pin the per-model `ZkinferVerifier` would hold. Fails, saying why, on a protocol
    /// the reusable verifier does not cover (an aggregate's accumulator, instances queried at a
    /// rotation, a linearised quotient).
    pub fn encode(
        srs: &ParamsKZG<Bn256>,
        vk: &VerifyingKey<G1Affine>,
        num_instances: usize,
        pinned: Option<PinnedParams>,
    ) -> Result<Self, String> {
        let protocol = protocol(srs, vk, num_instances, None);
        check_supported(&protocol)?;
        let lagranges = lagrange_points(&protocol)?;
        let num_challenges: usize = protocol.num_challenge.iter().sum();
        let slots = Slots::new(num_challenges, lagranges.len(), protocol.evaluations.len());
        let (root, constants) = numerator_tree(&protocol, &slots, &lagranges)?;
        let program = Program::compile(&root);
        // r at the bottom, the program's values, a loaded slot and a copy of r
        if program.max_depth + 3 > EVM_STACK_LIMIT {
            return Err(format!("a numerator {} values deep (the EVM stack holds 1,024)", program.max_depth));
        }
        let code = program.evm_code();
        check_numerator(&protocol, &code, &constants, &slots, &lagranges)?;
        let sets = sets::encode(&protocol, &|poly, rotation| eval_slot(&protocol, &slots, poly, rotation))?;

        let mut w = Words::default();
        let (start, digest) = pinned.map_or((num_instances, [0; 32]), |p| (p.start, p.digest));
        let mut magic = [0u8; 32];
        magic[32 - MAGIC.len()..].copy_from_slice(MAGIC);
        w.word(magic);
        for v in [num_instances, start] {
            w.uint(v);
        }
        w.word(digest);
        w.uint(protocol.domain.k);
        w.fr(&protocol.domain.n_inv);
        w.fr(protocol.transcript_initial_state.as_ref().expect("checked"));
        let num_witness: usize = protocol.num_witness.iter().sum();
        for v in [
            protocol.num_witness.len(),
            protocol.preprocessed.len(),
            num_witness,
            protocol.quotient.num_chunk(),
            protocol.quotient.chunk_degree,
            protocol.evaluations.len(),
            lagranges.len(),
            num_challenges,
            constants.values.len(),
            sets.count,
            slots.constants + constants.values.len(),
            program.max_depth,
            sets.words.len(),
        ] {
            w.uint(v);
        }
        w.g1(&srs.get_g()[0]);
        w.g2(&srs.g2());
        w.g2(&-srs.s_g2());
        assert_eq!(w.0.len(), 32 * HEADER_WORDS);
        for (&n, &m) in protocol.num_witness.iter().zip(&protocol.num_challenge) {
            w.uint(n);
            w.uint(m);
        }
        protocol.preprocessed.iter().for_each(|p| w.g1(p));
        // ω (the instance evaluation forms ω^0..ω^(ni−1) as it goes), then the numerator's points
        w.fr(&protocol.domain.gen);
        lagranges.iter().for_each(|&i| w.fr(&omega_power(&protocol, i)));
        constants.values.iter().for_each(|c| w.fr(c));
        sets.words.iter().for_each(|s| w.fr(s));

        let data_start = PROLOGUE_BYTES + code.len();
        let start = u16::try_from(data_start).map_err(|_| "a numerator over 64 KiB of code")?;
        let mut runtime = vec![PUSH2, (start >> 8) as u8, start as u8, POP];
        runtime.extend(code);
        runtime.extend(w.0);
        Ok(ReusableKey { runtime, data_start, num_ops: program.ops.len() })
    }

    /// The key's data: the header words, then the sections (docs/verifier.md).
    pub fn data(&self) -> &[u8] {
        &self.runtime[self.data_start..]
    }

    /// Creation code of the key contract: it deploys [`Self::runtime`].
    pub fn creation_code(&self) -> Vec<u8> {
        creation_code(&self.runtime)
    }

    /// Bytes of the deployed key contract (EIP-170 applies to them).
    pub fn runtime_size(&self) -> usize {
        self.runtime.len()
    }

    /// `keccak256` of the key contract's code, which a caller may pin instead of its address.
    pub fn codehash(&self) -> [u8; 32] {
        crate::abi::keccak(&self.runtime)
    }
}

/// One proof checked by the shared verifier under one key, both deployed on a fresh in-process
/// chain (Osaka rules).
pub struct EvmVerification {
    /// The `verifyProof` transaction (whole-transaction gas).
    pub call: crate::evm::CallResult,
    pub verifier_runtime_bytes: usize,
}

impl EvmVerification {
    /// `verifyProof` returned exactly `true`.
    pub fn accepted(&self) -> bool {
        let out = &self.call.output;
        self.call.success && out.len() == 32 && out[31] == 1 && out[..31].iter().all(|&b| b == 0)
    }
}

/// Compiles and deploys the shared verifier and `key`, then sends `verifyProof(key, proof, instances)`.
pub fn verify_on_evm(key: &ReusableKey, proof: &[u8], instances: &[[u8; 32]]) -> Result<EvmVerification, String> {
    let verifier = compile_verifier().map_err(|e| format!("compiling the reusable verifier failed: {e}"))?;
    let mut evm = crate::evm::Evm::new();
    let shared = evm.deploy(verifier.creation_bytes()).map_err(|e| format!("deploying the verifier failed: {e}"))?;
    let key_at = evm.deploy(key.creation_code()).map_err(|e| format!("deploying the key failed: {e}"))?;
    let call = evm.call(shared, verify_call(key_at, proof, instances))?;
    Ok(EvmVerification { call, verifier_runtime_bytes: verifier.runtime_size() })
}

const PUSH2: u8 = 0x61;
const POP: u8 = 0x50;
const EVM_STACK_LIMIT: usize = 1024;

/// Creation code that deploys `runtime` as it is.
pub fn creation_code(runtime: &[u8]) -> Vec<u8> {
    assert!(runtime.len() <= 0xffff, "a contract over 64 KiB");
    // PUSH2 len, DUP1, PUSH1 14, PUSH1 0, CODECOPY, PUSH1 0, RETURN, then 2 bytes of padding
    let [hi, lo] = (runtime.len() as u16).to_be_bytes();
    let mut code = vec![0x61, hi, lo, 0x80, 0x60, 0x0e, 0x60, 0x00, 0x39, 0x60, 0x00, 0xf3];
    code.resize(14, 0x00);
    code.extend(runtime);
    code
}

fn check_supported(protocol: &PlonkProtocol<G1Affine>) -> Result<(), String> {
    let unsupported = |what: &str| Err(format!("the reusable verifier does not cover {what}"));
    if protocol.num_instance.len() != 1 {
        return unsupported("more than one instance column");
    }
    if protocol.instance_committing_key.is_some() || protocol.linearization.is_some() {
        return unsupported("committed instances or a linearised quotient");
    }
    if !protocol.accumulator_indices.is_empty() {
        return unsupported("an aggregate's accumulator (use gen-verifier --aggregated)");
    }
    if protocol.transcript_initial_state.is_none() || protocol.domain_as_witness.is_some() {
        return unsupported("a transcript without the verifying key's digest");
    }
    if protocol.num_witness.len() != protocol.num_challenge.len() {
        return unsupported("phases without challenges");
    }
    Ok(())
}

/// The index of the instance polynomial in the protocol's polynomial numbering.
fn instance_poly(protocol: &PlonkProtocol<G1Affine>) -> usize {
    protocol.preprocessed.len()
}

/// The Lagrange points the numerator reads (`l_0`, `l_last`, the blinding rows): the instance
/// evaluation does not go through Lagrange values one by one (see the contract).
fn lagrange_points(protocol: &PlonkProtocol<G1Affine>) -> Result<Vec<i32>, String> {
    let instance = instance_poly(protocol);
    if protocol.quotient.numerator.used_query().iter().any(|q| q.poly == instance && q.rotation.0 != 0) {
        return Err("the reusable verifier does not cover instances queried at a rotation".into());
    }
    Ok(protocol.quotient.numerator.used_langrange().into_iter().collect())
}

fn omega_power(protocol: &PlonkProtocol<G1Affine>, i: i32) -> Fr {
    if i >= 0 {
        protocol.domain.gen.pow_vartime([i as u64])
    } else {
        protocol.domain.gen_inv.pow_vartime([(-i) as u64])
    }
}

/// The value-table slot of the evaluation of `poly` at `rotation`.
fn eval_slot(protocol: &PlonkProtocol<G1Affine>, slots: &Slots, poly: usize, rotation: i32) -> Result<u16, String> {
    let quotient =
        protocol.preprocessed.len() + protocol.num_instance.len() + protocol.num_witness.iter().sum::<usize>();
    let slot = if poly == quotient && rotation == 0 {
        slots.quotient_eval
    } else if poly == instance_poly(protocol) && rotation == 0 {
        slots.instance_eval
    } else {
        let at = protocol.evaluations.iter().position(|q| q.poly == poly && q.rotation.0 == rotation);
        slots.evals + at.ok_or_else(|| format!("no evaluation of polynomial {poly} at rotation {rotation}"))?
    };
    checked_slot(slot)
}

/// The numerator addresses its calldata with `PUSH2`: at most 2,048 value slots.
fn checked_slot(slot: usize) -> Result<u16, String> {
    if slot >= 2048 {
        return Err("a value table over 2,048 slots (the numerator's calldata offsets are 16 bits)".into());
    }
    Ok(slot as u16)
}

type Tree = Result<Node, String>;

/// The numerator rebuilt as a [`Node`] tree over value slots, and its constants.
fn numerator_tree(
    protocol: &PlonkProtocol<G1Affine>,
    slots: &Slots,
    lagranges: &[i32],
) -> Result<(Node, Constants), String> {
    let constants = RefCell::new(Constants::default());
    let leaf = |slot: usize| -> Tree { checked_slot(slot).map(Node::Leaf) };
    let constant = |c: Fr| leaf(slots.constants + constants.borrow_mut().slot(c) as usize);
    let boxed = |a: Tree| a.map(Box::new);
    let root = protocol.quotient.numerator.evaluate(
        &constant,
        &|poly| match serde_json::to_value(poly).map_err(|e| e.to_string())? {
            serde_json::Value::String(s) if s == "Identity" => leaf(0),
            v => {
                let i = v.get("Lagrange").and_then(|i| i.as_i64()).ok_or(format!("common polynomial {v}"))?;
                leaf(slots.lagranges + lagranges.iter().position(|&l| l as i64 == i).ok_or("a Lagrange point")?)
            }
        },
        &|query| eval_slot(protocol, slots, query.poly, query.rotation.0).map(Node::Leaf),
        &|index| leaf(slots.challenges + index),
        &|a| Ok(Node::Neg(boxed(a)?)),
        &|a, b| Ok(Node::Add(boxed(a)?, boxed(b)?)),
        &|a, b| Ok(Node::Mul(boxed(a)?, boxed(b)?)),
        &|a, c| Ok(Node::Mul(boxed(a)?, boxed(constant(c))?)),
    )?;
    Ok((root, constants.into_inner()))
}

/// Runs the numerator's EVM code on revm over pseudo-random values and compares it with
/// snark-verifier's own evaluation of the numerator on the same values: a key whose code
/// computes anything else is never written.
fn check_numerator(
    protocol: &PlonkProtocol<G1Affine>,
    code: &[u8],
    constants: &Constants,
    slots: &Slots,
    lagranges: &[i32],
) -> Result<(), String> {
    let mut values: Vec<Fr> =
        (0..slots.constants as u64).map(|i| Fr::from(i * 7919 + 3).square() + Fr::from(i)).collect();
    values.extend(&constants.values);
    let lookup =
        |poly: usize, rotation: i32| values[eval_slot(protocol, slots, poly, rotation).expect("slot") as usize];
    let expected = protocol.quotient.numerator.evaluate(
        &|c| c,
        &|poly| match serde_json::to_value(poly).expect("serializes").get("Lagrange").and_then(|i| i.as_i64()) {
            None => values[0],
            Some(i) => values[slots.lagranges + lagranges.iter().position(|&l| l as i64 == i).expect("point")],
        },
        &|query| lookup(query.poly, query.rotation.0),
        &|index| values[slots.challenges + index],
        &|a| -a,
        &|a, b| a + b,
        &|a, b| a * b,
        &|a, c| a * c,
    );
    if run_numerator(code, &values)? != expected {
        return Err("the numerator's code disagrees with snark-verifier's numerator".into());
    }
    Ok(())
}

/// Deploys numerator code on an in-process EVM and calls it with `values` as its calldata.
fn run_numerator(code: &[u8], values: &[Fr]) -> Result<Fr, String> {
    let mut evm = crate::evm::Evm::without_code_size_limit();
    let at = evm.deploy(creation_code(code))?;
    let calldata: Vec<u8> = values.iter().flat_map(fr_word).collect();
    let result = evm.call(at, calldata)?;
    if !result.success || result.output.len() != 32 {
        return Err("the numerator's code did not return one word".into());
    }
    let mut repr = <Fr as PrimeField>::Repr::default();
    repr.as_mut().copy_from_slice(&result.output.iter().rev().copied().collect::<Vec<u8>>());
    Option::from(Fr::from_repr(repr)).ok_or_else(|| "the numerator returned a value ≥ r".to_string())
}

fn fr_word(v: &Fr) -> [u8; 32] {
    let mut w = v.to_repr();
    w.reverse();
    w
}

/// Big-endian words, as the contract reads them.
#[derive(Default)]
struct Words(Vec<u8>);

impl Words {
    fn word(&mut self, w: [u8; 32]) {
        self.0.extend(w);
    }

    fn uint(&mut self, v: usize) {
        let mut w = [0u8; 32];
        w[24..].copy_from_slice(&(v as u64).to_be_bytes());
        self.word(w);
    }

    fn fr(&mut self, v: &Fr) {
        self.word(fr_word(v));
    }

    fn fq(&mut self, v: &Fq) {
        let mut w = v.to_repr();
        w.reverse();
        self.word(w);
    }

    fn g1(&mut self, p: &G1Affine) {
        self.fq(&p.x);
        self.fq(&p.y);
    }

    /// The precompile's order: x's imaginary part first.
    fn g2(&mut self, p: &G2Affine) {
        for c in [&p.x.c1, &p.x.c0, &p.y.c1, &p.y.c0] {
            self.fq(c);
        }
    }
}

/// The shared verifier's Solidity.
pub const VERIFIER_SOURCE: &str = include_str!("../../contracts/ZkinferReusableVerifier.sol");

/// Compiles the shared verifier (the Yul optimizer on: its assembly is written in small
/// functions, which it inlines).
pub fn compile_verifier() -> Result<crate::solc::Compiled, crate::solc::SolcError> {
    crate::solc::compile_contract(
        &[("ZkinferReusableVerifier.sol", VERIFIER_SOURCE)],
        "ZkinferReusableVerifier",
        crate::solc::Optimizer::Full { runs: 200 },
    )
}

/// Calldata of `verifyProof(address key, bytes proof, uint256[] instances)`.
pub fn verify_call(key: crate::Address, proof: &[u8], instances: &[[u8; 32]]) -> Vec<u8> {
    use crate::abi::{encode_call, Token};
    encode_call(
        "verifyProof(address,bytes,uint256[])",
        &[Token::address(key), Token::Bytes(proof.to_vec()), Token::Words(instances.to_vec())],
    )
}
