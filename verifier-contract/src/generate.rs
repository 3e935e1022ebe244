//! Solidity generation: snark-verifier's EVM loader turns the verifying key into a contract whose
//! `fallback` replays the Keccak transcript and runs the SHPLONK/KZG check in inline assembly.
//!
//! snark-verifier loads every scalar of the calldata (the public instances and the proof's
//! evaluations) as `calldataload(..) mod r`, so `w` and `w + r` verify alike: an instance that a
//! contract then reads bit by bit (a packed value) decodes to another number, and a proof
//! re-encoded that way has another hash. [`require_canonical_scalars`] makes the verifier revert
//! on any scalar `≥ r`, with one loop per run of consecutive scalars.

use halo2_proofs::{
    halo2curves::bn256::{Bn256, Fq, Fr, G1Affine},
    plonk::VerifyingKey,
    poly::commitment::ParamsProver,
    poly::kzg::commitment::ParamsKZG,
};
use snark_verifier_sdk::snark_verifier::{
    loader::evm::EvmLoader,
    system::halo2::{compile, transcript::evm::EvmTranscript, Config},
    verifier::{plonk::PlonkProtocol, SnarkVerifier},
};
use snark_verifier_sdk::{PlonkVerifier, SHPLONK};
use std::rc::Rc;

/// The raw verifier: calldata is the `num_instances` public values (32 bytes each, big-endian)
/// followed by the proof; it returns nothing on success and reverts otherwise.
pub fn raw_verifier_source(srs: &ParamsKZG<Bn256>, vk: &VerifyingKey<G1Affine>, num_instances: usize) -> String {
    verifier_source(srs, vk, num_instances, None)
}

/// The raw verifier of an aggregate (`zkinfer aggregate`): the same calldata layout, and after
/// the aggregation circuit's own check it decodes the KZG accumulator from the first
/// `accumulator_limbs` instances and requires its pairing, which stands for every inner proof's.
pub fn aggregate_verifier_source(
    srs: &ParamsKZG<Bn256>,
    vk: &VerifyingKey<G1Affine>,
    num_instances: usize,
    accumulator_limbs: usize,
) -> String {
    verifier_source(srs, vk, num_instances, Some((0..accumulator_limbs).map(|i| (0, i)).collect()))
}

fn verifier_source(
    srs: &ParamsKZG<Bn256>,
    vk: &VerifyingKey<G1Affine>,
    num_instances: usize,
    accumulator: Option<Vec<(usize, usize)>>,
) -> String {
    let protocol = protocol(srs, vk, num_instances, accumulator);
    let deciding_key = (srs.get_g()[0], srs.g2(), srs.s_g2()).into();
    let loader = EvmLoader::new::<Fq, Fr>();
    let protocol = protocol.loaded(&loader);
    let mut transcript = EvmTranscript::<_, Rc<EvmLoader>, _, _>::new(&loader);
    let instances = transcript.load_instances(vec![num_instances]);
    let proof = PlonkVerifier::<SHPLONK>::read_proof(&deciding_key, &protocol, &instances, &mut transcript)
        .expect("symbolic proof reading");
    PlonkVerifier::<SHPLONK>::verify(&deciding_key, &protocol, &instances, &proof).expect("symbolic verification");
    require_canonical_scalars(&loader.solidity_code())
}

/// snark-verifier's description of the verifier of `vk`'s proofs (one instance column of
/// `num_instances` values, KZG): what the unrolled generator and the reusable key both start from.
pub fn protocol(
    srs: &ParamsKZG<Bn256>,
    vk: &VerifyingKey<G1Affine>,
    num_instances: usize,
    accumulator: Option<Vec<(usize, usize)>>,
) -> PlonkProtocol<G1Affine> {
    let config = Config::kzg().with_num_instance(vec![num_instances]).with_accumulator_indices(accumulator);
    compile(srs, vk, config)
}

const SCALAR_LOAD: &str = "mod(calldataload(";
const FIELD_DECLARATION: &str = "let f_q := ";

/// The calldata offsets at which snark-verifier's code loads a scalar.
fn scalar_offsets(code: &str) -> Vec<usize> {
    code.match_indices(SCALAR_LOAD)
        .filter_map(|(at, _)| {
            let rest = &code[at + SCALAR_LOAD.len()..];
            let hex = rest.strip_prefix("0x")?.split(')').next()?;
            usize::from_str_radix(hex, 16).ok()
        })
        .collect()
}

/// Runs `[start, end)` of consecutive 32-byte scalars.
fn runs(mut offsets: Vec<usize>) -> Vec<(usize, usize)> {
    offsets.sort_unstable();
    offsets.dedup();
    let mut runs: Vec<(usize, usize)> = Vec::new();
    for o in offsets {
        match runs.last_mut() {
            Some((_, end)) if *end == o => *end = o + 0x20,
            _ => runs.push((o, o + 0x20)),
        }
    }
    runs
}

/// Inserts, after the field modulus is declared, a check that every scalar the verifier reads
/// from calldata is below it (the verifier's `success` flag, which it requires at the end). The
/// loads then need no reduction: `mod(calldataload(o), f_q)` becomes `calldataload(o)`, which
/// more than pays for the loops in bytecode.
pub fn require_canonical_scalars(code: &str) -> String {
    let checks: String = runs(scalar_offsets(code))
        .into_iter()
        .map(|(start, end)| format!("\n            for {{ let p := {start:#x} }} lt(p, {end:#x}) {{ p := add(p, 0x20) }} {{ success := and(success, lt(calldataload(p), f_q)) }}"))
        .collect();
    let at = code.find(FIELD_DECLARATION).expect("snark-verifier declares f_q");
    let line_end = at + code[at..].find('\n').expect("f_q's line ends");
    let comment =
        "\n            // zkinfer: every scalar in the calldata (instances, evaluations) must be canonical, below r";
    without_reductions(&format!("{}{comment}{checks}{}", &code[..line_end], &code[line_end..]))
}

/// The `[start, end)` calldata runs a verifier patched by [`require_canonical_scalars`] checks.
pub fn checked_runs(code: &str) -> Vec<(usize, usize)> {
    let hex = |s: &str| usize::from_str_radix(s.trim_start_matches("0x"), 16).ok();
    code.lines()
        .filter_map(|l| {
            let rest = l.trim().strip_prefix("for { let p := ")?;
            let (start, rest) = rest.split_once(" } lt(p, ")?;
            Some((hex(start)?, hex(rest.split_once(')')?.0)?))
        })
        .collect()
}

/// `mod(calldataload(o), f_q)` → `calldataload(o)` everywhere.
fn without_reductions(code: &str) -> String {
    let mut out = String::with_capacity(code.len());
    let mut rest = code;
    while let Some(at) = rest.find(SCALAR_LOAD) {
        let after = &rest[at + SCALAR_LOAD.len()..];
        let Some(close) = after.find(')') else { break };
        let Some(tail) = after[close..].strip_prefix("), f_q)") else {
            out.push_str(&rest[..at + SCALAR_LOAD.len()]);
            rest = after;
            continue;
        };
        out.push_str(&rest[..at]);
        out.push_str("calldataload(");
        out.push_str(&after[..close]);
        out.push(')');
        rest = tail;
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scalar_runs_become_one_loop_each() {
        let code = "let success := true\n  let f_q := 0x30\n mstore(0xa0, mod(calldataload(0x0), f_q))\nmstore(0xc0, mod(calldataload(0x20), f_q))\n let x := calldataload(0x40)\nmstore(0xe0, mod(calldataload(0x80), f_q))\n";
        assert_eq!(runs(scalar_offsets(code)), vec![(0x0, 0x40), (0x80, 0xa0)]);
        let checked = require_canonical_scalars(code);
        assert_eq!(checked.matches("lt(calldataload(p), f_q)").count(), 2);
        let declared = checked.find("let f_q").unwrap();
        assert!(checked.find("for { let p := 0x0 } lt(p, 0x40)").unwrap() > declared);
        // the loads no longer reduce: a scalar that needed it has already failed the check
        assert!(!checked.contains("mod(calldataload"));
        assert!(checked.contains("mstore(0xa0, calldataload(0x0))\nmstore(0xc0, calldataload(0x20))"));
        assert!(checked.contains("let x := calldataload(0x40)"));
        assert_eq!(checked_runs(&checked), vec![(0x0, 0x40), (0x80, 0xa0)]);
    }
}
