//! Verifying an aggregate natively, as the generated Solidity verifier does: the aggregation
//! circuit's SHPLONK proof over the Keccak transcript, then the accumulator's deferred pairing.

use crate::shplonk::{self, Keccak};
use crate::{accumulator, Srs};
use halo2_proofs::{
    halo2curves::bn256::{Fr, G1Affine},
    plonk::VerifyingKey,
};

/// Why an aggregate does not verify.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rejection {
    /// The aggregation circuit's own proof fails for these instances.
    Proof,
    /// The proof holds but the accumulator's pairing does not: some inner proof is invalid.
    Accumulator,
}

/// Both checks; malformed bytes are a rejection, never a panic.
pub fn verify(srs: &Srs, vk: &VerifyingKey<G1Affine>, instances: &[Fr], proof: &[u8]) -> Result<(), Rejection> {
    let proof_holds = shplonk::verifies::<_, Keccak<&[u8]>>(srs, vk, instances, proof);
    if !proof_holds {
        return Err(Rejection::Proof);
    }
    if !accumulator::decides(srs, instances) {
        return Err(Rejection::Accumulator);
    }
    Ok(())
}
